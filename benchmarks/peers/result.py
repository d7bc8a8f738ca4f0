"""One system's measured burn-down: a row of the table, and its rounds once summarized."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from supervisor.benchmark.resources import ConnectionSampler


@dataclass
class Result:
    system: str
    jobs: int
    completed: int = 0
    seconds: float | None = None
    jobs_per_s: float | None = None
    peak_connections: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    ratio: float | None = None
    """jobs/s of this system / jobs/s of civic-supervisor."""
    peak_during_burndown: int | None = None
    """civic-supervisor only: the peak from the warm-up's end to the last completion (the whole
    life, start and SIGTERM included, is `peak_connections`)."""
    rounds: list[float | None] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)


def raise_sampler_error(sampler: ConnectionSampler) -> None:
    """A peak from a sampler that failed would undercount: the run fails instead."""
    if sampler.error is not None:
        raise RuntimeError(f"connection sampler failed: {sampler.error}")
