"""Every configuration of one input, interleaved over the rounds: best-of-N is the round least
disturbed by neighbours on a shared machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.thumbnails.inputs import Case
from benchmarks.thumbnails.log import say
from benchmarks.thumbnails.reference import BATCH
from benchmarks.thumbnails.workers import Measure, measure

CONFIGS = (
    ("ours_1", "ours, 1 process", "ours", 1, 1, 1),
    ("ours_3", "ours, 3 processes", "ours", 3, 1, 1),
    ("ours_3_threads", "ours, 1 process x 3 threads", "ours", 1, 3, 1),
    ("ref_job_1", "reference per job, 1 process", "ref", 1, 1, 1),
    ("ref_job_3", "reference per job, 3 processes", "ref", 3, 1, 1),
    ("ref_batch_1", f"vipsthumbnail {BATCH} files per run, 1 process", "ref", 1, 1, BATCH),
    ("ref_batch_3", f"vipsthumbnail {BATCH} files per run, 3 processes", "ref", 3, 1, BATCH),
)
"""(key, description, kind, processes, threads per process, images per reference run)."""


def run_case(case: Case, workdir: Path, seconds: float, rounds: int) -> dict[str, Any]:
    """Every configuration `rounds` times, interleaved; the best round of each, and the ratios
    of ours against the faster reference (best-of-N: the round least disturbed by neighbours)."""
    configs = [c for c in CONFIGS if not (case.key == "pdf" and c[5] > 1)]
    runs: dict[str, list[Measure]] = {c[0]: [] for c in configs}
    for n in range(rounds):
        say(f"{case.label}: round {n + 1} of {rounds}")
        for key, _, kind, workers, threads, batch in configs:
            runs[key].append(measure(kind, case, workdir, seconds, workers, threads, batch))
    res: dict[str, Any] = {"case": case.label, "target": case.target, "rounds": rounds}
    for key, found in runs.items():
        res[key] = max(found, key=lambda m: m.images_per_s)
    for n in (1, 3):
        refs = [res[k] for k in (f"ref_job_{n}", f"ref_batch_{n}") if k in res]
        res[f"ref_{n}"] = max(refs, key=lambda m: m.images_per_s)
        res[f"ratio_{n}"] = res[f"ours_{n}"].images_per_s / res[f"ref_{n}"].images_per_s
    res["cpu_ratio"] = res["ref_1"].cpu_ms_per_image / res["ours_1"].cpu_ms_per_image
    ratio = min(res["ratio_1"], res["ratio_3"])
    res["holds"] = None if case.target is None else ratio >= case.target
    return res
