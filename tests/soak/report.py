"""What a soak run found, as figures and as text for RELIABILITY.md.

`problems` is the verdict: empty means every invariant held. The rest are the figures:
faults by kind, jobs processed and their states, lost jobs, duplicated effects, duplicated
emails with the kill that explains each, recovery times per kind of fault, peak sessions.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.soak.faults import Fault
from tests.soak.mail import MailFindings
from tests.soak.monitor import Probe

TARGETS = {"child_kill": 1.0, "supervisor_kill": 30.0}
"""Issue 8's recovery targets in seconds: jobs of a killed child back within 1 s, jobs of a
killed supervisor recovered by a peer within 30 s."""
LABELS = {
    "child_kill": "child SIGKILL -> its jobs back in the queue",
    "child_restart": "child SIGKILL -> child running again",
    "supervisor_kill": "supervisor SIGKILL -> peer rescued its running jobs",
    "go_kill": "Go client SIGKILL -> River's rescuer returned its jobs (rescue_after 35 s)",
    "terminate": "all backends terminated -> a job claimed after it completes (per supervisor)",
    "outage_s3": "S3 back -> a thumbnail job claimed after it completes",
    "outage_smtp": "SMTP back -> first email accepted",
}


@dataclass
class SoakReport:
    seconds: float
    seed: int
    wall: float = 0.0
    settle: float = 0.0
    drained: float = 0.0
    """Seconds after the traffic stopped until every job was final (or the drain ended)."""
    faults: list[Fault] = field(default_factory=list)
    states: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    errors: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated_effects: list[str] = field(default_factory=list)
    mail: MailFindings = field(default_factory=MailFindings)
    probes: list[Probe] = field(default_factory=list)
    peaks: dict[str, int] = field(default_factory=dict)
    samples: int = 0
    over_budget: list[tuple[float, str, int]] = field(default_factory=list)
    cancelled: Counter[str] = field(default_factory=Counter)
    producer: Counter[str] = field(default_factory=Counter)
    go: Counter[str] = field(default_factory=Counter)
    """The Go client's queue: jobs, runs (journal), rescued, incarnations."""
    problems: list[str] = field(default_factory=list)

    @property
    def fault_counts(self) -> Counter[str]:
        return Counter(f.kind for f in self.faults if f.kind != "outage_end")

    @property
    def processed(self) -> int:
        return sum(self.states[s] for s in ("completed", "cancelled", "discarded"))

    def recovery(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for kind in LABELS:
            ps = [p for p in self.probes if p.kind == kind]
            times = [p.recovered for p in ps if p.recovered is not None]
            out[kind] = {
                "n": len(times),
                "worst": max(times, default=None),
                "median": statistics.median(times) if times else None,
                "void": sum(bool(p.void) for p in ps),
                "timed_out": sum(p.timed_out for p in ps),
            }
        return out

    def text(self) -> str:
        s, f = self.states, self.fault_counts
        lines = [
            f"soak: {self.seconds:.0f} s of faults and traffic, seed {self.seed}, "
            f"2 supervisors x 3 children + a Go client, {self.wall:.0f} s wall in all, settled in {self.settle:.1f} s, "
            f"drained in {self.drained:.1f} s",
            "faults injected: " + ", ".join(f"{k} {n}" for k, n in sorted(f.items())),
            f"producer calls acknowledged: {dict(self.producer)}",
            f"jobs: {sum(s.values())} total, {self.processed} processed (completed "
            f"{s['completed']}, cancelled {s['cancelled']}, discarded {s['discarded']}); "
            f"waiting legitimately: available {s['available']}, retryable {s['retryable']}, "
            f"scheduled {s['scheduled']}; running {s['running']}",
            f"attempts {self.attempts}, errors recorded {self.errors}",
            f"Go client (River's SQL, no lock; queue go_default): {self.go['jobs']} jobs, "
            f"{self.go['runs']} runs, {self.go['rescued']} rescued by River's rescuer, "
            f"{self.go['incarnations']} incarnations",
            f"cancelled by reason: {dict(self.cancelled)}",
            f"jobs lost: {len(self.lost)}",
            f"duplicated database effects: {len(self.duplicated_effects)}",
            f"emails: {self.mail.received} accepted by the server, {len(self.mail.duplicates)} "
            f"duplicated (each matched to a kill), {len(self.mail.unrecorded)} accepted but "
            f"not recorded as sent; {len(self.mail.unknown_outcome)} jobs closed unsent as outcome "
            f"unknown, of which {sum('never' in u for u in self.mail.unknown_outcome)} were never "
            "delivered",
            "recovery (worst / median / measured; void = a later fault took the process):",
        ]
        for kind, r in self.recovery().items():
            worst = "-" if r["worst"] is None else f"{r['worst']:.2f} s"
            median = "-" if r["median"] is None else f"{r['median']:.2f} s"
            target = f" (target {TARGETS[kind]:.0f} s)" if kind in TARGETS else ""
            lines.append(f"  {LABELS[kind]}: {worst} / {median} / {r['n']}{target}"
                         + (f", void {r['void']}" if r["void"] else "")
                         + (f", NEVER {r['timed_out']}" if r["timed_out"] else ""))  # fmt: skip
        peaks = ", ".join(f"{a} {n}" for a, n in sorted(self.peaks.items()))
        lines.append(f"connections: peak per supervisor {peaks}; {self.samples} samples, "
                     f"{len(self.over_budget)} above the budget of 4")  # fmt: skip
        lines += [f"  duplicate: {d}" for d in self.mail.duplicates]
        lines += [f"  unrecorded email: {d}" for d in self.mail.unrecorded]
        lines += [f"  outcome unknown, not resent: {d}" for d in self.mail.unknown_outcome]
        lines.append("fault log:")
        for x in sorted(self.faults, key=lambda x: x.at):
            held = (
                f" held {x.held}" if x.kind in ("child_kill", "supervisor_kill", "go_kill") else ""
            )
            lines.append(f"  t={x.at:6.1f}s {x.kind:<15} {x.target}{held} {x.detail}")
        lines.append("problems: " + ("none" if not self.problems else ""))
        lines += [f"  {p}" for p in self.problems[:50]]
        return "\n".join(lines)

    def to_json(self) -> str:
        data = {k: v for k, v in vars(self).items() if k not in ("faults", "mail", "probes")}
        data["faults"] = [vars(f) for f in self.faults]
        data["mail"] = vars(self.mail)
        data["probes"] = [{k: v for k, v in vars(p).items() if k != "check"} for p in self.probes]
        data["recovery"] = self.recovery()
        return json.dumps(data, indent=1, default=str)
