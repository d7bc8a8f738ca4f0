"""Presign worker against a real PostgreSQL and a real S3 over HTTP (moto + SigV4 checks)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from psycopg.rows import dict_row

from tests.support.s3_server import browser_put
from tests.support.s3_server import settings as s3_settings
from tests.support.worker_harness import Outcome, run_handler
from workers.civic_schema import sql
from workers.presign.handlers import PresignHandler, make_handlers
from workers.presign.keys import go_ext, uuid7
from workers.presign.spec import SPEC


@pytest.fixture
def civic_db(db: Any) -> Any:
    db.execute(sql("files"))
    return db


def request_upload(
    db: Any, entity_type: str = "issues", entity_id: str = "42", file_name: str = "photo.jpg"
) -> tuple[str, dict[str, Any]]:
    """Insert a request the way the frontend's RPC does; return its id and the job's args."""
    rid = db.execute(
        "SELECT public.request_upload_url(%s, %s, %s, 'image/jpeg')::text",
        (entity_type, entity_id, file_name),
    ).fetchone()[0]
    args = db.execute(
        "SELECT args FROM metadata.river_job WHERE kind = 's3_presign' AND args->>'request_id' = %s",
        (rid,),
    ).fetchone()[0]
    return rid, args


def request_row(db: Any, rid: str) -> dict[str, Any]:
    return db.cursor(row_factory=dict_row).execute(
        "SELECT status, presigned_url, file_id::text, s3_key, error_message"
        " FROM metadata.file_upload_requests WHERE id = %s", (rid,)
    ).fetchone()  # fmt: skip


def run(db_url: str, s3: dict[str, Any], args: Any) -> Outcome:
    handler = make_handlers({"s3": s3})["s3_presign"]
    return run_handler(SPEC, handler, db_url, kind="s3_presign", args=args, settings={"s3": s3})


def test_trigger_enqueues_a_presign_job(civic_db: Any) -> None:
    rid, args = request_upload(civic_db)
    job = civic_db.execute(
        "SELECT queue, priority, max_attempts, state FROM metadata.river_job WHERE kind = 's3_presign'"
    ).fetchone()
    assert job == ("s3_signer", 1, 25, "available")
    assert args == {"request_id": rid, "file_name": "photo.jpg", "file_type": "image/jpeg",
                    "entity_type": "issues", "entity_id": "42"}  # fmt: skip


def test_browser_put_to_presigned_url_creates_public_object(
    civic_db: Any, db_url: str, s3: Any, bucket: str
) -> None:
    endpoint, client = s3
    public = endpoint.replace("127.0.0.1", "localhost")
    rid, args = request_upload(civic_db)
    assert (
        run(db_url, s3_settings(endpoint, bucket, public_endpoint=public), args).state
        == "completed"
    )

    row = request_row(civic_db, rid)
    assert row["status"] == "completed" and row["error_message"] is None
    assert uuid.UUID(row["file_id"]).version == 7
    assert row["s3_key"] == f"issues/42/{row['file_id']}/original.jpg"
    url = urlsplit(row["presigned_url"])
    assert f"{url.scheme}://{url.netloc}" == public
    # The frontend derives bucket and key from the path of the URL (path-style addressing).
    assert url.path.lstrip("/").split("/", 1) == [bucket, row["s3_key"]]
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["900"]
    assert query["X-Amz-SignedHeaders"] == ["host;x-amz-acl"]
    assert not [k for k in query if "checksum" in k.lower()]

    url = row["presigned_url"]
    assert browser_put(url, b"jpeg bytes", {}) == 403
    assert browser_put(url, b"jpeg bytes", {"x-amz-acl": "private"}) == 403
    assert browser_put(url, b"jpeg bytes", {"x-amz-acl": "public-read"}) == 200
    assert client.get_object(Bucket=bucket, Key=row["s3_key"])["Body"].read() == b"jpeg bytes"
    grants = client.get_object_acl(Bucket=bucket, Key=row["s3_key"])["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [
        g["Grantee"] for g in grants if g["Permission"] == "READ"
    ]


def test_without_public_endpoint_the_internal_endpoint_is_signed(
    civic_db: Any, db_url: str, s3: Any, bucket: str
) -> None:
    rid, args = request_upload(civic_db, file_name="scan")
    assert run(db_url, s3_settings(s3[0], bucket), args).state == "completed"
    row = request_row(civic_db, rid)
    assert row["presigned_url"].startswith(f"{s3[0]}/{bucket}/issues/42/")
    assert row["s3_key"].endswith("/original.bin")
    assert browser_put(row["presigned_url"], b"x", {"x-amz-acl": "public-read"}) == 200


@pytest.mark.parametrize(
    ("file_name", "ext"),
    [("a.tar.gz", ".gz"), ("foo.", "."), ("README", ""), (".bashrc", ".bashrc"),
     ("dir.d/file", ""), ("Photo.JPG", ".JPG"), ("", "")],
)  # fmt: skip
def test_extension_follows_go_filepath_ext(file_name: str, ext: str) -> None:
    assert go_ext(file_name) == ext


@pytest.mark.parametrize(
    ("entity_type", "entity_id", "file_name", "complaint"),
    [
        ("../etc", "42", "a.jpg", "entity_type '../etc'"),
        ("issues/x", "42", "a.jpg", "entity_type 'issues/x'"),
        ("", "42", "a.jpg", "entity_type ''"),
        ("issues", "..", "a.jpg", "entity_id '..'"),
        ("issues", "4\n2", "a.jpg", "entity_id '4\\n2'"),
        ("issues", "42", "a.j pg", "extension '.j pg'"),
        ("issues", "42", "a.jpg\x07", "extension '.jpg\\x07'"),
        ("issues", "42", "a." + "x" * 1100, "longer than 1024 bytes"),
    ],
)
def test_unsafe_key_fails_request_and_cancels(
    civic_db: Any, db_url: str, s3: Any, bucket: str,
    entity_type: str, entity_id: str, file_name: str, complaint: str,
) -> None:  # fmt: skip
    rid, args = request_upload(civic_db, entity_type, entity_id, file_name)
    outcome = run(db_url, s3_settings(s3[0], bucket), args)
    assert outcome.state == "cancelled" and complaint in (outcome.error or "")
    row = request_row(civic_db, rid)
    assert row["status"] == "failed" and complaint in row["error_message"]
    assert row["presigned_url"] is None and row["s3_key"] is None


def test_missing_field_fails_request(civic_db: Any, db_url: str, s3: Any, bucket: str) -> None:
    rid, args = request_upload(civic_db)
    del args["entity_type"], args["file_name"]
    outcome = run(db_url, s3_settings(s3[0], bucket), args)
    assert outcome.state == "cancelled"
    row = request_row(civic_db, rid)
    assert (row["status"], row["error_message"]) == (
        "failed",
        "upload request is missing file_name, entity_type",
    )


@pytest.mark.parametrize("args", [["not", "an", "object"], {"request_id": "nope"}, None])
def test_args_without_a_usable_request_id_cancel_without_writes(
    civic_db: Any, db_url: str, s3: Any, bucket: str, args: Any
) -> None:
    rid, _ = request_upload(civic_db)
    outcome = run(db_url, s3_settings(s3[0], bucket), args)
    assert outcome.state == "cancelled" and outcome.error
    assert request_row(civic_db, rid)["status"] == "pending"


def test_missing_credentials_at_signing_time_retries(
    civic_db: Any, db_url: str, s3: Any, bucket: str, no_aws_env: pytest.MonkeyPatch
) -> None:
    rid, args = request_upload(civic_db)
    no_creds = boto3.session.Session(region_name="us-east-1").client("s3", endpoint_url=s3[0])
    outcome = run_handler(
        SPEC, PresignHandler(no_creds, bucket), db_url, kind="s3_presign", args=args
    )
    assert outcome.state == "error" and "credentials" in (outcome.error or "").lower()
    assert request_row(civic_db, rid)["status"] == "pending"


def test_uuid7_layout_and_order() -> None:
    ids = [uuid.UUID(uuid7()) for _ in range(200)]
    assert {(u.version, u.variant) for u in ids} == {(7, uuid.RFC_4122)}
    assert len(set(ids)) == 200
    assert [u.int >> 80 for u in ids] == sorted(u.int >> 80 for u in ids)


def test_spec_module_imports_nothing_heavy() -> None:
    code = ("import sys, workers.presign.spec as m; s = m.SPEC;"
            "assert (s.name, s.queue, s.max_workers, tuple(x.name for x in s.sections)) == ('presign', 's3_signer', 20, ('s3',));"
            "assert not {'boto3', 'botocore'} & set(sys.modules), sorted(sys.modules)")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True)
