"""The results as text (ratio table, per-configuration detail, memory) or as JSON."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from benchmarks.thumbnails.load import IDLE_TARGET_MB, LOAD_TARGET_MB
from benchmarks.thumbnails.rounds import CONFIGS
from benchmarks.thumbnails.workers import Measure


def table(cases: list[dict[str, Any]]) -> str:
    """The ratio table, then the reference detail and CPU cost per image."""
    head = (
        "case",
        "ours 1w",
        "ours 3w",
        "ref 1w",
        "ref 3w",
        "ratio 1w",
        "ratio 3w",
        "CPU ratio",
        "target",
        "holds",
    )
    rows = [head]
    for c in cases:
        target = "-" if c["target"] is None else f">= {c['target']:g}x"
        holds = "-" if c["holds"] is None else ("yes" if c["holds"] else "NO")
        rows.append(
            (
                c["case"],
                *(f"{c[k].images_per_s:.2f}" for k in ("ours_1", "ours_3", "ref_1", "ref_3")),
                f"{c['ratio_1']:.2f}x",
                f"{c['ratio_3']:.2f}x",
                f"{c['cpu_ratio']:.2f}x",
                target,
                holds,
            )
        )
    lines = _columns(rows)
    lines += [
        "",
        "images/s, best of the rounds; ref = the faster reference below; ratio = ours/ref;",
        "CPU ratio = ref CPU per image / ours (1 worker): steadier on a shared machine",
        "",
    ]
    detail = [("case", "configuration", "images/s", "CPU ms/image")]
    for c in cases:
        for k, name, *_ in CONFIGS:
            if k in c:
                m = c[k]
                detail.append(
                    (c["case"], name, f"{m.images_per_s:.2f}", f"{m.cpu_ms_per_image:.0f}")
                )
    return "\n".join(lines + _columns(detail))


def memory_text(mem: dict[str, Any]) -> str:
    idle, load = mem["idle"], mem["load"]
    idle_each = ", ".join(f"{k} {v['rss_mb']:.0f}" for k, v in idle.items() if isinstance(v, dict))
    peaks = ", ".join(f"{k} {v:.0f}" for k, v in load["peak_rss_mb"].items())
    return "\n".join(
        [
            f"idle RSS: total {idle['total_rss_mb']:.0f} MB (USS {idle['total_uss_mb']:.0f} MB); "
            f"{idle_each} MB; target <= {IDLE_TARGET_MB} MB: {'yes' if mem['idle_holds'] else 'NO'}",
            f"load: {load['seconds']:.0f} s of 12 MP JPEG jobs, {load['jobs_per_s']:.2f} jobs/s "
            f"completed, {load['samples']} samples every 100 ms, states {load['states']}, "
            f"files failed {load['files_failed']}, jobs with errors {load['jobs_with_errors']}",
            f"peak RSS under load: total {load['peak_total_rss_mb']:.0f} MB; each: {peaks} MB; "
            f"target <= {LOAD_TARGET_MB} MB: {'yes' if mem['load_holds'] else 'NO'}",
        ]
    )


def _columns(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]


def jsonable(value: Any) -> Any:
    if isinstance(value, Measure):
        return asdict(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def versions() -> dict[str, Any]:
    """The machine and the codec versions, so a figure can be traced to what produced it."""
    from importlib import metadata

    import PIL

    def tool(*argv: str) -> str:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[0]

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pillow": PIL.__version__,
        "pypdfium2": metadata.version("pypdfium2"),
        "vips": tool("vipsthumbnail", "--vips-version"),
        "pdftoppm": tool("pdftoppm", "-v"),
    }
