"""Timed runs: N spawned processes (as the supervisor's children are exec'd), or one process
with N threads (as the thumbnails child runs), each running jobs back to back."""

from __future__ import annotations

import multiprocessing as mp
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.thumbnails.inputs import Case
from benchmarks.thumbnails.ours import ours
from benchmarks.thumbnails.reference import reference


@dataclass(frozen=True)
class Measure:
    workers: int
    images_per_s: float
    cpu_ms_per_image: float
    images: int


def _cpu() -> float:
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _loop(job: Callable[[], int], seconds: float) -> tuple[int, float]:
    """Jobs back to back for at least `seconds`: (images, elapsed seconds)."""
    began, done = time.monotonic(), 0
    while True:
        done += job()
        elapsed = time.monotonic() - began
        if elapsed >= seconds:
            return done, elapsed


def _worker(spec: dict[str, Any], barrier: Any, results: Any) -> None:
    """One benchmark process: warm up, wait for the others, run, report (images, s, cpu)."""
    try:
        case, threads = Case(**spec["case"]), spec["threads"]
        out = Path(tempfile.mkdtemp(dir=spec["workdir"]))
        jobs = []
        for n in range(threads):
            (out / str(n)).mkdir()
            if spec["kind"] == "ours":
                jobs.append(ours(case, out / str(n)))
            else:
                jobs.append(reference(case, out / str(n), spec["batch"]))
        if spec["kind"] == "ours":
            for job in jobs:
                job()  # imports and first-call costs (the references are separate processes)
        barrier.wait()
        cpu = _cpu()
        if threads == 1:
            runs = [_loop(jobs[0], spec["seconds"])]
        else:
            runs = _threaded(jobs, spec["seconds"])
        results.put((sum(n for n, _ in runs), sum(n / s for n, s in runs), _cpu() - cpu))
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        results.put(exc)


def _threaded(jobs: list[Callable[[], int]], seconds: float) -> list[tuple[int, float]]:
    runs: list[tuple[int, float]] = []
    threads = [threading.Thread(target=lambda j=j: runs.append(_loop(j, seconds))) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return runs


def measure(
    kind: str,
    case: Case,
    workdir: Path,
    seconds: float,
    workers: int = 1,
    threads: int = 1,
    batch: int = 1,
) -> Measure:
    """`workers` spawned processes (of `threads` threads each) started together."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    spec = {
        "kind": kind,
        "case": asdict(case),
        "workdir": str(workdir),
        "seconds": seconds,
        "threads": threads,
        "batch": batch,
    }
    procs = [ctx.Process(target=_worker, args=(spec, barrier, results)) for _ in range(workers)]
    for p in procs:
        p.start()
    try:
        got = [results.get(timeout=seconds * 5 + 120) for _ in procs]
    finally:
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
    failed = [g for g in got if isinstance(g, BaseException)]
    if failed:
        raise RuntimeError(f"{kind} {case.key}: {failed[0]!r}")
    images = sum(g[0] for g in got)
    return Measure(
        workers * threads, sum(g[1] for g in got), sum(g[2] for g in got) / images * 1e3, images
    )
