"""The summary as text for a person: one table per queue, then where everything is."""

from __future__ import annotations

from typing import Any

from supervisor.demo.progress import QUEUES

_FAILED = ("cancelled", "discarded")


def _triple(values: dict[str, float] | None) -> str:
    if not values:
        return "-"
    return " / ".join(f"{values[p]:.0f}" for p in ("p50", "p95", "p99"))


def render(summary: dict[str, Any], problems: list[str], *, keep: bool) -> str:
    jobs = summary["jobs"]
    total = sum(sum(s.values()) for s in jobs["by_queue"].values())
    done = sum(s.get("completed", 0) for s in jobs["by_queue"].values())
    verdict = "all completed" if not problems else f"{len(problems)} PROBLEM(S)"
    out = [
        "",
        f"civic-supervisor demo: {total} jobs, {done} completed in {jobs['span_s']:.1f} s"
        f": {verdict}",
        "",
        f"  {'queue':<14} {'jobs':>5} {'done':>5} {'failed':>6}   "
        f"{'pickup ms p50/95/99':>21}   {'processing ms p50/95/99':>23}",
    ]
    for queue, name in QUEUES.items():
        states = jobs["by_queue"].get(queue, {})
        latency = jobs["latency_ms"].get(queue, {})
        out.append(
            f"  {name:<14} {sum(states.values()):>5} {states.get('completed', 0):>5}"
            f" {sum(states.get(s, 0) for s in _FAILED):>6}   {_triple(latency.get('pickup')):>21}"
            f"   {_triple(latency.get('processing')):>23}"
        )
    conns = summary["connections"]
    files = summary["thumbnails"]["files"]
    objects = sum(len(f["keys"]) for f in files)
    example = next((f["urls"]["medium"] for f in files if "medium" in f["urls"]), "")
    emails = summary["emails"]
    gone = "" if keep else "  (removed on exit; run with --keep to explore)"
    out += [
        "",
        f"  connections   peak {conns['peak']} of a budget of {conns['budget']}"
        " (pg_stat_activity, the demo's own sessions not counted)",
        f"  uploads       {summary['uploads']['by_status'].get('completed', 0)} presigned PUT URLs"
        " in metadata.file_upload_requests",
        f"  thumbnails    {objects} objects for {len(files)} files in"
        f" s3://{summary['thumbnails']['bucket']} at {summary['thumbnails']['endpoint']}{gone}",
        f"                e.g. {example}",
        f"  emails        {emails['delivered']} delivered to the SMTP sink as .eml files in"
        f" {emails['directory']}{gone}",
        "  note          pickup includes up to 1 s of polling: Civic OS's triggers insert"
        " jobs without NOTIFY",
    ]
    out += [f"  PROBLEM       {p}" for p in problems]
    return "\n".join(out) + "\n"
