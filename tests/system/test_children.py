"""Several children in one supervisor: isolation, and the budget with three children busy."""

from __future__ import annotations

import pytest

from supervisor.benchmark.resources import ConnectionSampler
from tests.support.river import insert_jobs, job, states
from tests.support.s3_server import ACCESS_KEY, SECRET_KEY
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for
from workers.civic_schema import sql


@pytest.fixture
def civic(db):
    db.execute(sql("files"))
    return db


def s3_config(s3, bucket):
    return {"s3": {"bucket": bucket, "endpoint": s3[0], "access_key_id": ACCESS_KEY,
                   "secret_access_key": SECRET_KEY}}  # fmt: skip


def presign(db) -> str:
    return db.execute(
        "SELECT public.request_upload_url('issues', '1', 'a.png', 'image/png')::text"
    ).fetchone()[0]


def upload_status(db, rid):
    return db.execute(
        "SELECT status FROM metadata.file_upload_requests WHERE id = %s", (rid,)
    ).fetchone()[0]


def test_a_dying_child_never_stops_the_others(db_url, civic, s3, bucket):
    sup = start(db_url, s3_config(s3, bucket), only="bench,presign")
    try:
        other = sup.children()["presign"]
        (crash,) = insert_jobs(civic, "crash", max_attempts=3)
        wait_for(
            lambda: len(job(civic, crash)["errors"] or []) >= 2,
            what=f"two errors on job {crash}",
            show=lambda: job(civic, crash)["errors"],
            timeout=30,
        )
        assert "worker process exited with signal 9" in job(civic, crash)["errors"][0]["error"]
        rid = presign(civic)
        wait_for(
            lambda: upload_status(civic, rid) == "completed",
            what=f"upload request {rid} completed",
            show=lambda: upload_status(civic, rid),
        )
        assert sup.children()["presign"].pid == other.pid
        assert "child presign" not in "".join(x for x in sup.log.splitlines() if "exited" in x)
    finally:
        assert sup.stop() == 0


def test_budget_of_four_with_three_busy_children(db_url, civic, s3, bucket):
    sup = start(db_url, s3_config(s3, bucket), only="bench,presign,thumbnails")
    with ConnectionSampler(db_url, sup.app) as sampler:
        try:
            rids = [presign(civic) for _ in range(100)]
            insert_jobs(civic, "noop", 5000)
            insert_jobs(civic, "fail", 200, max_attempts=1)
            civic.execute(
                "INSERT INTO metadata.files (entity_type, entity_id, file_name, file_type, file_size,"
                " s3_original_key, s3_bucket) SELECT 'issues', '1', 'x.png', 'image/png', 1, 'missing/'||g,"
                " %s FROM generate_series(1, 20) g", (bucket,))  # fmt: skip
            wait_for(
                lambda: (s := states(civic)).get("completed") == 5100 and s.get("discarded") == 200,
                what="5100 jobs completed and 200 discarded",
                show=lambda: states(civic),
                timeout=90,
            )
            assert all(upload_status(civic, r) == "completed" for r in rids)
            # thumbnails of missing originals: S3 says NoSuchKey, so they retry (not lost, not failed)
            wait_for(
                lambda: (
                    civic.execute(
                        "SELECT count(*) FROM metadata.river_job WHERE kind ="
                        " 'thumbnail_generate' AND errors IS NOT NULL"
                    ).fetchone()[0]
                    == 20
                ),
                what="20 thumbnail jobs with an error",
                show=lambda: states(civic),
            )
            assert len(sup.children()) == 3
        finally:
            sup.stop()
    assert 2 <= sampler.peak <= 4, sampler.peak
