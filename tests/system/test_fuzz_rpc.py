"""100,000 random and malformed frames at the parent's RPC: it stays up, bounded, and safe.

The parent's real components (pool, completer, fetcher, session, channel) run in-process
against the test database; a fake child on the other end of a socketpair sends frames drawn
by hypothesis: raw bytes, broken lengths, invalid UTF-8 and JSON, wrong types, unknown ops,
other workers' statements, outcomes for jobs it never held. A framing violation closes that
channel (the supervisor then recycles the child); everything else is answered with an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from proxy.framing import encode
from workers.specs import BUILTIN

FRAMES_PER_EXAMPLE = 50
FRAMES = int(os.environ.get("FUZZ_FRAMES", "100000"))
EXAMPLES = FRAMES // FRAMES_PER_EXAMPLE
OTHER_STATEMENTS = [n for s in BUILTIN if s.name != "bench" for n in s.statements]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=5,
)
ops = st.sampled_from(
    ["fetch", "finish", "query", "heartbeat", "ready", "log", "nope", "", "__init__"]
)
requests = st.fixed_dictionaries(
    {"id": st.integers(-5, 2**60) | st.none() | st.text(max_size=3), "op": ops | json_values},
    optional={
        "max": json_values | st.integers(-5, 20000), "wait": st.just(0) | json_values,
        "name": st.sampled_from([*OTHER_STATEMENTS, "record", "DROP TABLE x"]) | json_values,
        "params": json_values, "outcomes": st.lists(json_values | st.fixed_dictionaries({
            "job_id": st.integers(-3, 10**6), "attempt": st.integers(-1, 5),
            "result": st.sampled_from(["completed", "error", "cancel", "snooze", "x"]),
            "writes": json_values}), max_size=5),
        "completed": json_values | st.lists(st.lists(st.integers(-3, 10**6), max_size=3)
                                            | json_values, max_size=5),
        "level": json_values, "msg": json_values, "busy": json_values,
    },
)  # fmt: skip


def framed(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


benign = requests.map(lambda r: encode(r) if _encodable(r) else framed(b"{}"))
hostile = st.one_of(
    st.binary(max_size=64),
    st.binary(max_size=64).map(framed),
    st.integers(2**24, 2**32 - 1).map(lambda n: struct.pack(">I", n)),
    json_values.map(lambda v: framed(json.dumps(v).encode())),
    st.binary(min_size=1, max_size=32).map(lambda b: framed(b"\xff" + b)),
)


def _encodable(value: object) -> bool:
    try:
        encode(value)  # type: ignore[arg-type]
        return True
    except Exception:  # noqa: BLE001 - whatever encode refuses cannot be framed
        return False


class ParentProcess:
    """tests/support/fuzz_parent.py: the parent's channel and session, measured from outside."""

    def __init__(self, db_url: str, tmp: Path) -> None:
        self.path = str(tmp / "rpc.sock")
        script = Path(__file__).parents[1] / "support" / "fuzz_parent.py"
        self.proc = subprocess.Popen([sys.executable, str(script), db_url, self.path],
                                     stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def session(self, frames: list[bytes]) -> tuple[bool, bytes]:
        """Send frames on a new connection; True when the parent closed it on a violation."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(self.path)
            sock.settimeout(10)
            for frame in frames:
                try:
                    sock.sendall(frame)
                except OSError:
                    break  # closed on a violation
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            replies = bytearray()
            try:
                while chunk := sock.recv(65536):
                    replies += chunk
            except OSError:
                pass
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip() == "V", bytes(replies)

    def rss(self) -> int:
        return psutil.Process(self.proc.pid).memory_info().rss

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def test_fuzzed_frames_never_hurt_the_parent(db_url, tmp_path):
    parent = ParentProcess(db_url, tmp_path)
    stats = {"violations": 0, "sessions": 0, "frames": 0, "rss_warm": 0}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              database=None, phases=[Phase.generate])  # fmt: skip
    @given(st.lists(st.one_of(benign, benign, benign, hostile), min_size=FRAMES_PER_EXAMPLE,
                    max_size=FRAMES_PER_EXAMPLE))  # fmt: skip
    def run(frames: list[bytes]) -> None:
        violated, _ = parent.session(frames)
        stats["violations"] += violated
        stats["sessions"] += 1
        stats["frames"] += len(frames)
        if stats["sessions"] == EXAMPLES // 10:  # measure growth after warm-up
            stats["rss_warm"] = parent.rss()

    try:
        run()
        violated, replies = parent.session([encode({"id": 1, "op": "heartbeat"})])
        assert not violated and b'"ok":true' in replies  # a well-behaved child is still served
        assert parent.proc.poll() is None
        growth = parent.rss() - stats["rss_warm"]
        with psycopg.connect(db_url) as conn:
            count = conn.execute("SELECT count(*) FROM pg_stat_activity"
                                 " WHERE application_name = 'civic-supervisor'").fetchone()[0]  # fmt: skip
    finally:
        parent.stop()
    assert count <= 3
    assert stats["frames"] >= FRAMES * 0.9, stats  # hypothesis may discard a few oversize draws
    assert 0 < stats["violations"] <= stats["sessions"]
    assert growth < 30 * 2**20, f"parent RSS grew {growth >> 20} MiB"
