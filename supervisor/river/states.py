"""River's job states (the `river_job_state` enum, as of River's migration 004)."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """A str: binds as text and compares equal to the state PostgreSQL returns."""

    AVAILABLE = "available"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    DISCARDED = "discarded"
    PENDING = "pending"
    RETRYABLE = "retryable"
    RUNNING = "running"
    SCHEDULED = "scheduled"
