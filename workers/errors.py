"""Outcomes a worker can raise besides an ordinary exception (which means: retry)."""

from __future__ import annotations


class JobCancel(Exception):  # noqa: N818 - River's name (JobCancel)
    """The job can never succeed (malformed args, unsupported input): cancel it now.

    The message is recorded in the job's `errors` like any error, and the job's staged
    writes (`ctx.write`) are committed with the cancellation.
    """


class JobSnooze(Exception):  # noqa: N818 - River's name
    """Run the job again after `seconds`, without using up an attempt."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"snoozed for {seconds}s")
        self.seconds = float(seconds)
