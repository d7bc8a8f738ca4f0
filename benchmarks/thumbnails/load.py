"""`--supervisor`: the real supervisor's RSS idle, then under a sustained thumbnail backlog."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.thumbnails.log import say
from benchmarks.thumbnails.rss import RssSampler

IDLE_TARGET_MB = 250
LOAD_TARGET_MB = 512
BACKLOG = 6
"""Available thumbnail jobs the feeder keeps queued during the load run."""
ORIGINALS = 9
"""Copies of the original in S3, used in turn: moto's S3 at times fails concurrent GETs of one
key (a shared read buffer), which would show up as retried jobs."""


def supervisor_memory(jpeg: Path, seconds: float) -> dict[str, Any]:
    """Idle RSS, then peak RSS under a sustained backlog of 12 MP JPEG thumbnail jobs."""
    from supervisor.benchmark.resources import process_memory, ready_children
    from supervisor.demo import services
    from supervisor.demo.settings import config
    from supervisor.demo.workload import BUCKET, install_schema
    from supervisor.runner import SupervisorProcess

    keys = [f"issues/{n}/{uuid.uuid4()}/original.jpg" for n in range(ORIGINALS)]
    say("supervisor: starting embedded PostgreSQL and S3 (moto)")
    with services.postgres() as db_url, services.s3() as s3:
        with _seed(db_url) as conn:
            install_schema(conn)
        s3.client.create_bucket(Bucket=BUCKET)
        for key in keys:
            s3.client.put_object(
                Bucket=BUCKET, Key=key, Body=jpeg.read_bytes(), ContentType="image/jpeg"
            )
        settings = config(db_url, s3.endpoint, smtp_port=9)  # never used: no email jobs
        with SupervisorProcess(settings) as sup:
            sup.wait_ready(60)
            deadline = time.monotonic() + 30
            while ready_children(sup.pid) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(2.0)  # settle, as `civic-supervisor bench` does
            idle = process_memory(sup.pid)
            say(f"supervisor: idle total RSS {idle['total_rss_mb']:.0f} MB; {seconds:g} s of load")
            load = _load(db_url, sup.pid, keys, jpeg.stat().st_size, seconds)
            code = sup.stop()
            if code != 0:
                raise RuntimeError(f"the supervisor exited with {code}:\n{sup.log_tail()}")
    return {
        "idle": idle,
        "load": load,
        "idle_target_mb": IDLE_TARGET_MB,
        "load_target_mb": LOAD_TARGET_MB,
        "idle_holds": idle["total_rss_mb"] <= IDLE_TARGET_MB,
        "load_holds": load["peak_total_rss_mb"] <= LOAD_TARGET_MB,
    }


def _seed(db_url: str) -> Any:
    import psycopg

    return psycopg.connect(db_url, autocommit=True, application_name="civic-bench-seed")


def _load(db_url: str, pid: int, keys: list[str], size: int, seconds: float) -> dict[str, Any]:
    """Keep BACKLOG jobs available (inserted through Civic OS's trigger) while sampling RSS."""
    from supervisor.demo.workload import BUCKET, FILE

    sampler = RssSampler(pid)
    sampler.start()
    began = time.monotonic()
    inserted = 0
    try:
        with _seed(db_url) as conn:
            while time.monotonic() - began < seconds:
                waiting = conn.execute(
                    "SELECT count(*) FROM metadata.river_job"
                    " WHERE queue = 'thumbnails' AND state = 'available'"
                ).fetchone()[0]
                for _ in range(max(0, BACKLOG - waiting)):
                    key = keys[inserted % len(keys)]
                    params = (str(uuid.uuid4()), "1", "photo.jpg", "image/jpeg", size, BUCKET, key)
                    conn.execute(FILE, params)
                    inserted += 1
                time.sleep(0.1)
            elapsed = time.monotonic() - began
            states = dict(
                conn.execute(
                    "SELECT state, count(*) FROM metadata.river_job WHERE queue = 'thumbnails'"
                    " GROUP BY state"
                ).fetchall()
            )
            failed = conn.execute(
                "SELECT count(*) FROM metadata.files WHERE thumbnail_status = 'failed'"
            ).fetchone()[0]
            retried = conn.execute(
                "SELECT count(*) FROM metadata.river_job WHERE queue = 'thumbnails'"
                " AND cardinality(errors) > 0"
            ).fetchone()[0]
    finally:
        sampler.stop()
    return {
        "seconds": elapsed,
        "inserted": inserted,
        "states": states,
        "files_failed": failed,
        "jobs_with_errors": retried,
        "jobs_per_s": states.get("completed", 0) / elapsed,
        "samples": sampler.samples,
        "peak_total_rss_mb": sampler.peak_total,
        "peak_rss_mb": dict(sorted(sampler.peak.items())),
    }
