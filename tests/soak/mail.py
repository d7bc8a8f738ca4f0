"""Emails as counted at the SMTP server, held against the jobs and the injected kills.

A second copy of one token's email is excused only by a kill that landed in the window where
it can happen: after the server accepted the earlier copy and before that attempt's outcome
was committed. So for copies accepted at t1 < t2 there must be a SIGKILL of the notifications
child, or of its whole supervisor, at a time in [t1, t2], of a client that attempted the job,
and the job must carry that kill as an attempt's error. Anything else is an unexplained
duplicate. Emails accepted for a row that was not recorded as sent (the ack was lost to a
kill or a cut connection, so the guard refused to resend) are listed, not counted twice.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.soak.check import Snapshot
from tests.soak.env import Mail
from tests.soak.faults import Fault

SUBJECT = re.compile(r"^Soak (\S+)$")
KILL_ERRORS = ("worker process exited with signal 9", "died (its session lock is gone)")
UNKNOWN_OUTCOME = ("lost during DATA", "Delivery interrupted")
SLACK = 0.05
"""Seconds of tolerance on the kill's side of the window (two clocks of one machine)."""


@dataclass
class MailFindings:
    received: int = 0
    duplicates: list[str] = field(default_factory=list)
    """Each explained second copy: the token, the acceptance times and the kill between."""
    problems: list[str] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)
    """Accepted by the server for a row that is not `sent` (delivery outcome lost)."""
    unknown_outcome: list[str] = field(default_factory=list)
    """Jobs closed without resending because their delivery's outcome was unknowable (the
    connection was lost during DATA, or an attempt died holding the claim), and whether the
    server had the message all the same: the price of at-most-once."""


def check_mail(mail: list[Mail], snap: Snapshot, faults: list[Fault]) -> MailFindings:
    out = MailFindings(received=len(mail))
    copies: dict[str, list[float]] = defaultdict(list)
    for m in mail:
        match = SUBJECT.match(m.subject)
        if not match:
            out.problems.append(f"email with an unknown subject {m.subject!r}")
            continue
        copies[match.group(1)].append(m.at)
    notes = {r["entity_id"]: r for r in snap.notifications}
    kills = [f for f in faults if f.kind == "supervisor_kill"
             or (f.kind == "child_kill" and f.child == "notifications")]  # fmt: skip
    for token, times in copies.items():
        kind = _KIND_OF_TOKEN.get(token[:1])
        job = _job(snap, kind, token, notes)
        if job is None:
            out.problems.append(f"email for {token}, which has no job")
            continue
        times.sort()
        for t1, t2 in itertools.pairwise(times):
            kill = _excuse(job, t1, t2, kills)
            if kill is None:
                out.problems.append(f"{token} (job {job['id']}) delivered again at {t2:.3f}"
                                    f" after {t1:.3f} with no kill in between")  # fmt: skip
            else:
                out.duplicates.append(
                    f"{token} (job {job['id']}): accepted at {t1:.3f}, {kill.kind} of "
                    f"{kill.target} {kill.wall - t1:+.3f}s later, delivered again at {t2:.3f}"
                )
        row = notes.get(token)
        if row is not None and row["status"] != "sent":
            out.unrecorded.append(f"{token}: row {row['status']}, {row['error_message']!r:.90}")
    for row in snap.notifications:
        sent_email = row["status"] == "sent" and "email" in (row["channels_sent"] or [])
        if sent_email and row["entity_id"] not in copies:
            out.problems.append(f"notification {row['id']} is sent but the server has no email")
    for (kind, token), js in snap.jobs.items():
        if kind == "send_email" and js[0]["state"] == "completed" and token not in copies:
            out.problems.append(f"send_email job {js[0]['id']} completed but no email arrived")
    by_id = {str(r["id"]): r["entity_id"] for r in snap.notifications}
    for (kind, key), js in snap.jobs.items():
        errors = js[0]["errors"] or []
        error = (errors[-1].get("error") or "") if errors else ""
        if js[0]["state"] == "cancelled" and any(w in error for w in UNKNOWN_OUTCOME):
            token = key if kind == "send_email" else by_id.get(key, "?")
            had = "the server had it" if token in copies else "never delivered"
            why = next(w for w in UNKNOWN_OUTCOME if w in error)
            out.unknown_outcome.append(f"{token} (job {js[0]['id']}, {why}): {had}")
    return out


_KIND_OF_TOKEN = {"n": "send_notification", "s": "send_email"}


def _job(snap: Snapshot, kind: str | None, token: str, notes: dict[str, Any]) -> Any:
    if kind == "send_email":
        js = snap.jobs.get((kind, token), [])
    elif kind == "send_notification" and token in notes:
        js = snap.jobs.get((kind, str(notes[token]["id"])), [])
    else:
        return None
    return js[0] if js else None


def _excuse(job: dict[str, Any], t1: float, t2: float, kills: list[Fault]) -> Fault | None:
    clients = set(job["attempted_by"] or [])
    killed = any(any(k in (e.get("error") or "") for k in KILL_ERRORS) for e in job["errors"] or [])
    for kill in kills:
        if killed and kill.client in clients and t1 - SLACK <= kill.wall <= t2:
            return kill
    return None
