"""Thumbnail worker against a real PostgreSQL and a real S3 over HTTP (moto)."""

from __future__ import annotations

import io
import subprocess
import sys
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image
from psycopg.rows import dict_row

from tests.support import samples
from tests.support.s3_server import browser_put
from tests.support.s3_server import settings as s3_settings
from tests.support.worker_harness import Outcome, run_handler
from workers.civic_schema import sql
from workers.presign.handlers import make_handlers as make_presign_handlers
from workers.presign.spec import SPEC as PRESIGN_SPEC
from workers.thumbnails.handlers import make_handlers
from workers.thumbnails.spec import SPEC

ALL_USERS = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}


@pytest.fixture
def civic_db(db: Any) -> Any:
    db.execute(sql("files"))
    return db


def add_file(
    db: Any, s3: Any, bucket: str, data: bytes | None, file_type: str, status: str = "pending"
) -> tuple[str, dict[str, Any] | None]:
    """Store an original (unless None) and its files row as the frontend does; (id, job args)."""
    file_id = db.execute("SELECT public.uuid_generate_v7()::text").fetchone()[0]
    key = f"issues/42/{file_id}/original.bin"
    if data is not None:
        s3[1].put_object(Bucket=bucket, Key=key, Body=data)
    db.execute(
        "SELECT public.create_file_record(%s::uuid, 'issues', '42', 'upload', %s, %s, %s, %s, %s)",
        (file_id, file_type, len(data or b""), bucket, key, status),
    )
    job = db.execute(
        "SELECT args FROM metadata.river_job WHERE kind = 'thumbnail_generate'"
        " AND args->>'file_id' = %s", (file_id,)
    ).fetchone()  # fmt: skip
    return file_id, job[0] if job else None


def file_row(db: Any, file_id: str) -> dict[str, Any]:
    return db.cursor(row_factory=dict_row).execute(
        "SELECT thumbnail_status, thumbnail_error, s3_thumbnail_small_key AS small,"
        " s3_thumbnail_medium_key AS medium, s3_thumbnail_large_key AS large,"
        " updated_at > created_at AS touched FROM metadata.files WHERE id = %s", (file_id,)
    ).fetchone()  # fmt: skip


def run(db_url: str, endpoint: str, args: Any, **limits: int) -> Outcome:
    # The settings' bucket is not the file's: thumbnails go to the bucket of the files row.
    settings = {"s3": s3_settings(endpoint, "settings-bucket"), "thumbnails": limits}
    handler = make_handlers(settings)["thumbnail_generate"]
    return run_handler(SPEC, handler, db_url, kind="thumbnail_generate", args=args,
                       settings=settings)  # fmt: skip


def objects(s3: Any, bucket: str, file_id: str) -> list[str]:
    listing = s3[1].list_objects_v2(Bucket=bucket, Prefix=f"issues/42/{file_id}/")
    return sorted(o["Key"].rsplit("/", 1)[1] for o in listing.get("Contents", []))


def test_triggers_enqueue_only_pending_files(civic_db: Any, s3: Any, bucket: str) -> None:
    _, args = add_file(civic_db, s3, bucket, b"x", "application/zip", status="not_applicable")
    assert args is None
    file_id, args = add_file(civic_db, s3, bucket, b"x", "image/png")
    assert args == {"file_id": file_id}
    job = civic_db.execute(
        "SELECT queue, priority, max_attempts, state FROM metadata.river_job"
        " WHERE kind = 'thumbnail_generate'"
    ).fetchall()
    assert job == [("thumbnails", 1, 25, "available")]


@pytest.mark.parametrize(
    ("data", "file_type", "ext", "content_type", "sizes"),
    [(samples.jpeg(1200, 900), "image/jpeg", "jpg", "image/jpeg", [(150, 150), (400, 400), (800, 800)]),
     (samples.pdf(612, 792), "application/x-pdf", "png", "image/png", [(116, 150), (310, 400), (619, 800)])],
    ids=["jpeg", "pdf"],
)  # fmt: skip
def test_thumbnails_are_stored_public_and_recorded(
    civic_db: Any, db_url: str, s3: Any, bucket: str,
    data: bytes, file_type: str, ext: str, content_type: str, sizes: list[tuple[int, int]],
) -> None:  # fmt: skip
    file_id, args = add_file(civic_db, s3, bucket, data, file_type)
    assert run(db_url, s3[0], args).state == "completed"
    row = file_row(civic_db, file_id)
    keys = [f"issues/42/{file_id}/thumb-{size}.{ext}" for size in ("small", "medium", "large")]
    assert (row["thumbnail_status"], row["thumbnail_error"], row["touched"]) == (
        "completed",
        None,
        True,
    )
    assert [row["small"], row["medium"], row["large"]] == keys
    for key, size in zip(keys, sizes, strict=True):
        obj = s3[1].get_object(Bucket=bucket, Key=key)
        assert obj["ContentType"] == content_type
        assert Image.open(io.BytesIO(obj["Body"].read())).size == size
        assert ALL_USERS in [
            g["Grantee"] for g in s3[1].get_object_acl(Bucket=bucket, Key=key)["Grants"]
        ]


@pytest.mark.parametrize(
    ("data", "file_type", "complaint", "limits"),
    [
        (samples.corrupt_jpeg(), "image/jpeg", "corrupt or truncated JPEG image", {}),
        (samples.truncated_png(), "image/png", "truncated PNG", {}),
        (samples.png_bomb(), "image/png", "has 900000000 pixels, over the limit of 50000000", {}),
        (b"just some text, not a picture\n", "image/jpeg", "not an image in a supported format", {}),
        (samples.encrypted_pdf(), "application/pdf", "encrypted with a password", {}),
        (b"", "application/pdf", "not a readable PDF", {}),
        (samples.jpeg(200, 100), "image/jpeg", "over the limit of 1000", {"max_original_bytes": 1000}),
        (samples.jpeg(200, 100), "image/jpeg", "(20000 pixels), over the limit", {"max_pixels": 19999}),
        (samples.pdf(pages=3), "pdf", "3 pages, over the limit of 2", {"pdf_max_pages": 2}),
    ],
    ids=["corrupt-jpeg", "truncated-png", "png-bomb", "text-as-jpeg", "encrypted-pdf", "empty-pdf",
         "over-size-limit", "over-pixel-limit", "too-many-pages"],
)  # fmt: skip
def test_unthumbnailable_files_fail_and_cancel(
    civic_db: Any, db_url: str, s3: Any, bucket: str,
    data: bytes, file_type: str, complaint: str, limits: dict[str, int],
) -> None:  # fmt: skip
    file_id, args = add_file(civic_db, s3, bucket, data, file_type)
    outcome = run(db_url, s3[0], args, **limits)
    assert outcome.state == "cancelled" and complaint in (outcome.error or "")
    row = file_row(civic_db, file_id)
    assert row["thumbnail_status"] == "failed" and complaint in row["thumbnail_error"]
    assert (row["small"], row["medium"], row["large"], row["touched"]) == (None, None, None, True)
    assert objects(s3, bucket, file_id) == ["original.bin"]


@pytest.mark.parametrize("what", ["no-row", "no-original", "s3-down"])
def test_transient_trouble_retries_without_writes(
    civic_db: Any, db_url: str, s3: Any, bucket: str, what: str
) -> None:
    file_id, args = add_file(
        civic_db, s3, bucket, None if what == "no-original" else b"x", "image/png"
    )
    if what == "no-row":
        args = {"file_id": str(uuid.uuid4())}
    endpoint = "http://127.0.0.1:9" if what == "s3-down" else s3[0]
    outcome = run(db_url, endpoint, args)
    assert outcome.state == "error", outcome
    assert {"no-row": "has no row", "no-original": "NoSuchKey", "s3-down": "connect"}[what] in (
        outcome.error or ""
    )
    assert file_row(civic_db, file_id)["thumbnail_status"] == "pending"


@pytest.mark.parametrize("args", [{"file_id": "42"}, {}, ["x"], None])
def test_args_without_a_file_id_cancel(db_url: str, s3: Any, args: Any) -> None:
    outcome = run(db_url, s3[0], args)
    assert outcome.state == "cancelled" and "file_id" in (outcome.error or "")


def test_frontend_upload_flow_through_both_workers(
    civic_db: Any, db_url: str, s3: Any, bucket: str
) -> None:
    """request_upload_url -> presign -> browser PUT -> create_file_record -> thumbnails."""
    rid = civic_db.execute(
        "SELECT public.request_upload_url('issues', '7', 'IMG_1.HEIC', 'image/heic')"
    ).fetchone()[0]
    args = civic_db.execute(
        "SELECT args FROM metadata.river_job WHERE kind = 's3_presign'"
    ).fetchone()[0]
    settings = {"s3": s3_settings(s3[0], bucket)}
    presign = make_presign_handlers(settings)["s3_presign"]
    assert (
        run_handler(PRESIGN_SPEC, presign, db_url, kind="s3_presign", args=args).state
        == "completed"
    )
    status, url, file_id, error = civic_db.execute(
        "SELECT * FROM public.get_upload_url(%s)", (rid,)
    ).fetchone()
    assert (status, error) == ("completed", None)

    heic = samples.encode(Image.new("RGB", (640, 480), samples.RED), "HEIF")
    assert browser_put(url, heic, {"x-amz-acl": "public-read"}, content_type="image/heic") == 200
    url_bucket, key = urlsplit(url).path.lstrip("/").split("/", 1)
    civic_db.execute(
        "SELECT public.create_file_record(%s, 'issues', '7', 'IMG_1.HEIC', 'image/heic', %s, %s, %s,"
        " 'pending')", (file_id, len(heic), url_bucket, key)
    )  # fmt: skip
    args = civic_db.execute(
        "SELECT args FROM metadata.river_job WHERE kind = 'thumbnail_generate'"
    ).fetchone()[0]
    assert run(db_url, s3[0], args).state == "completed"
    assert file_row(civic_db, str(file_id))["large"] == f"issues/7/{file_id}/thumb-large.jpg"


def test_spec_module_imports_nothing_heavy() -> None:
    code = ("import sys, workers.thumbnails.spec as m; s = m.SPEC;"
            "assert (s.name, s.queue, s.max_workers, tuple(x.name for x in s.sections)) =="
            " ('thumbnails', 'thumbnails', 3, ('s3', 'thumbnails'));"
            "heavy = {'boto3', 'botocore', 'PIL', 'pypdfium2', 'pillow_heif'} & set(sys.modules);"
            "assert not heavy, heavy")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True)
