"""The report as text: the table, the target's verdict, every system's settings and versions."""

from __future__ import annotations

from typing import Any


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def text_report(report: dict[str, Any]) -> str:
    rounds = report["rounds"]
    head = ["system", "jobs/s", "ratio vs civic-supervisor", "seconds", "peak connections"]
    rows = [head + (["rounds (jobs/s, peak)"] if rounds > 1 else [])]
    for r in report["results"]:
        rate = r["jobs_per_s"]
        rows.append([
            r["system"],
            f"{rate:,.0f}" if rate else f"failed ({r['completed']:,} done)",
            f"{r['ratio']:.2f}x" if r["ratio"] else "-",
            f"{r['seconds']:.2f}" if r["seconds"] else "-",
            str(r["peak_connections"]),
        ] + ([" ".join(f"{x:,.0f}/{peak}" if x else f"-/{peak}"
                       for x, peak in zip(r["rounds"], r["peaks"], strict=True))]
             if rounds > 1 else []))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    m = report["machine"]
    lines = [f"Burn-down of {report['jobs']:,} no-op jobs, median of {rounds} round(s); one "
             f"embedded PostgreSQL {m['postgres']} (fsync=off), {m['cpus']} CPUs, "
             f"Python {m['python']}"]  # fmt: skip
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                        enumerate(zip(row, widths, strict=True))) for row in rows]  # fmt: skip
    lines += [f"{r['system']}: peak connections from the warm-up's end to the last completion: "
              f"{r['peak_during_burndown']}" for r in report["results"]
              if r["peak_during_burndown"] is not None]  # fmt: skip
    v = report["target"]
    if v["holds"] is None:
        lines.append(f"target: {v['target']}: not measured")
    else:
        lines.append(f"target: {v['target']}: holds {yes(v['holds'])}")
        lines += [f"  vs {a['system']}: civic-supervisor/pgqueuer = {a['civic_over_peer']:.2f}x "
                  f"(faster: {yes(a['faster'])}), fewer connections: "
                  f"{yes(a['fewer_connections'])}" for a in v["against"]]  # fmt: skip
    lines.append("settings:")
    lines += [f"  {r['system']}: " + ", ".join(f"{k}={val}" for k, val in r["settings"].items())
              for r in report["results"]]  # fmt: skip
    versions_ = ", ".join(f"{k} {val}" for k, val in m["versions"].items())
    lines.append(f"versions: {versions_}")
    return "\n".join(lines)
