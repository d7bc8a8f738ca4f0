"""The bench's results as text tables or JSON, and which of the project's throughput targets
they meet.

Targets are stated for a 2-core machine and 100,000 jobs; a smaller or different run still
prints them, marked as indicative, never as a failure of the command.
"""

from __future__ import annotations

from typing import Any

Row = tuple[str, Any, str, bool | None]


def _get(d: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or d.get(key) is None:
            return None
        d = d[key]
    return d


def _check(name: str, value: Any, target: str, ok: Any) -> Row:
    return (name, value, target, None if value is None else bool(ok(value)))


def targets(r: dict[str, Any]) -> list[Row]:
    poll_ms = r["settings"]["fetch_poll_interval_s"] * 1000
    rows = [
        _check("burn-down jobs/s", _get(r, "burndown", "supervisor", "jobs_per_s"), ">= 10,000",
               lambda v: v >= 10_000),
        _check("burn-down / raw", _get(r, "burndown", "ratio"), ">= 0.65", lambda v: v >= 0.65),
        _check("NOTIFY pickup p50 ms", _get(r, "latency", "notify", "latency_ms", "p50"), "<= 5",
               lambda v: v <= 5),
        _check("NOTIFY pickup p99 ms", _get(r, "latency", "notify", "latency_ms", "p99"), "<= 25",
               lambda v: v <= 25),
        _check("plain SQL pickup max ms", _get(r, "latency", "plain", "latency_ms", "max"),
               f"<= {poll_ms:g} (fetch_poll_interval)", lambda v: v <= poll_ms),
        _check("trigger pickup p50 ms", _get(r, "latency", "trigger", "latency_ms", "p50"),
               "<= 10", lambda v: v <= 10),
        _check("peak connections", _get(r, "connections", "peak"),
               f"<= {r['connections']['max_conns']}", lambda v: v <= r["connections"]["max_conns"]),
        _check("idle RSS, parent + 3 children MB", _get(r, "memory", "idle", "total_rss_mb"),
               "<= 250", lambda v: v <= 250),
        _check("start to ready s", _get(r, "lifecycle", "start_to_ready_s"), "<= 3",
               lambda v: v <= 3),
        _check("SIGTERM to exit (idle) s", _get(r, "lifecycle", "sigterm_exit_s"), "<= 1",
               lambda v: v <= 1),
    ]  # fmt: skip
    return rows


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{2 if abs(v) < 10 else 1 if abs(v) < 1000 else 0}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [header, *[[_fmt(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, cells[1:])])  # fmt: skip


def text(r: dict[str, Any]) -> str:
    m, s = r["machine"], r["settings"]
    out = [
        f"machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}, PostgreSQL "
        f"{m['postgres']}{' (embedded, fsync=off, synchronous_commit=off)' if m['embedded'] else ''}",
        f"settings: {s['jobs']:,} jobs, max_conns {s['max_conns']}, bench child "
        f"{s['max_workers']} threads, fetch_poll_interval {s['fetch_poll_interval_s']:g}s",
        "",
        "burn-down (noop jobs, insert commit -> last completion)",
    ]
    b = r["burndown"]
    ratio = f"{b['ratio']:.2f}x" if b.get("ratio") else None
    rows = [["civic-supervisor", b["supervisor"]["jobs_per_s"], b["supervisor"]["seconds"],
             r["connections"]["max_conns"], ratio]]  # fmt: skip
    if b.get("raw"):
        rows.append(["raw SQL (no proxy)", b["raw"]["jobs_per_s"], b["raw"]["seconds"],
                     b["raw"]["connections"], "1.00x"])  # fmt: skip
    out += [_table(["run", "jobs/s", "seconds", "connections", "x raw"], rows), ""]
    if r.get("latency"):
        out.append(f"pickup latency (insert commit -> claim), {s['rate']:g} jobs/s, ms")
        rows = []
        for mode, lat in r["latency"].items():
            q, ins = lat["latency_ms"], lat["insert_ms"]
            rows.append([mode, lat["picked_up"], q.get("p50"), q.get("p95"), q.get("p99"),
                         q.get("max"), ins.get("p50")])  # fmt: skip
        header = ["inserted with", "jobs", "p50", "p95", "p99", "max", "insert p50"]
        out += [_table(header, rows), ""]
    if r.get("trigger_overhead"):
        t = r["trigger_overhead"]
        out += [f"notify trigger: one 10,000-row INSERT {t['without_ms']:.1f} ms without, "
                f"{t['with_ms']:.1f} ms with ({t['ratio']:.2f}x)", ""]  # fmt: skip
    mem = r.get("memory", {})
    if mem:
        rows = []
        for phase, procs in mem.items():
            for name, v in procs.items():
                if isinstance(v, dict):
                    rows.append([phase, name, v["rss_mb"], v["uss_mb"]])
            rows.append([phase, "total", procs["total_rss_mb"], procs["total_uss_mb"]])
        out += ["memory (MB)", _table(["phase", "process", "RSS", "USS"], rows), ""]
    rows = [[n, v, t, "-" if ok is None else ("yes" if ok else "NO")] for n, v, t, ok in targets(r)]
    out += ["targets (2-core machine, 100,000 jobs; indicative for other runs)",
            _table(["figure", "measured", "target", "holds"], rows)]  # fmt: skip
    return "\n".join(out)
