"""End to end through the real supervisor: the three Civic OS children on one budget.

Upload request -> presign job -> browser PUT -> files row -> thumbnails in S3; notification
row -> email at a real SMTP server -> row `sent`. Jobs come from the Civic OS triggers only.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from supervisor.benchmark.resources import ConnectionSampler
from tests.support.notifications import add_template, add_user, apply_schema
from tests.support.river import states
from tests.support.s3_server import ACCESS_KEY, SECRET_KEY, browser_put
from tests.support.samples import corrupt_jpeg, encrypted_pdf, jpeg, pdf, png_bomb, truncated_png
from tests.support.smtp_server import smtp_server
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for

ALL = "presign,thumbnails,notifications"


@pytest.fixture
def civic(db):
    apply_schema(db)
    return db


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


def config(s3, bucket, smtp):
    return {
        "s3": {"bucket": bucket, "endpoint": s3[0], "access_key_id": ACCESS_KEY,
               "secret_access_key": SECRET_KEY},
        "email": {"smtp_host": smtp.host, "smtp_port": smtp.port, "from": "Civic <noreply@civic.test>"},
        "maintenance": {"scheduler_interval": "200ms", "elect_interval": "200ms"},
    }  # fmt: skip


def one(db, sql, *params):
    return db.execute(sql, params).fetchone()


def store_file(db, s3, bucket, key, body, mime):
    """An original in S3 and its `files` row, as the frontend records it; the trigger enqueues."""
    s3[1].put_object(Bucket=bucket, Key=key, Body=body)
    return one(db, "INSERT INTO metadata.files (entity_type, entity_id, file_name, file_type, file_size,"
               " s3_original_key, s3_bucket) VALUES ('e2e', '1', %s, %s, %s, %s, %s) RETURNING id::text",
               key.rsplit("/", 1)[-1], mime, len(body), key, bucket)[0]  # fmt: skip


def wait_thumbnail(db, file_id, status):
    wait_for(
        lambda: (
            one(db, "SELECT thumbnail_status FROM metadata.files WHERE id = %s", file_id)[0]
            == status
        ),
        what=f"file {file_id} thumbnail_status {status}",
        show=lambda: one(db, "SELECT thumbnail_status FROM metadata.files WHERE id = %s", file_id),
        timeout=30,
    )


def test_upload_thumbnail_and_notification_flow(db_url, civic, s3, bucket, smtp):
    sup = start(db_url, config(s3, bucket, smtp), only=ALL)
    with ConnectionSampler(db_url, sup.app) as sampler:
        try:
            # presign: the frontend's RPC inserts the request; the trigger enqueues the job
            rid = one(
                civic,
                "SELECT public.request_upload_url('issues', '7', 'photo.jpg', 'image/jpeg')::text",
            )[0]
            wait_for(
                lambda: (
                    one(
                        civic, "SELECT status FROM metadata.file_upload_requests WHERE id = %s", rid
                    )[0]
                    == "completed"
                ),
                what=f"upload request {rid} completed",
                show=lambda: one(
                    civic, "SELECT status FROM metadata.file_upload_requests WHERE id = %s", rid
                ),
            )
            url, file_id, key = one(civic, "SELECT presigned_url, file_id::text, s3_key"
                                    " FROM metadata.file_upload_requests WHERE id = %s", rid)  # fmt: skip
            assert key == f"issues/7/{file_id}/original.jpg"
            photo = jpeg(1200, 600, orientation=6, gps=True)
            assert browser_put(url, photo, {"x-amz-acl": "public-read"}) == 200
            # the frontend records the file; the trigger enqueues the thumbnail job
            civic.execute(
                "INSERT INTO metadata.files (id, entity_type, entity_id, file_name, file_type, file_size,"
                " s3_original_key, s3_bucket, thumbnail_status) VALUES (%s, 'issues', '7', 'photo.jpg',"
                " 'image/jpeg', %s, %s, %s, 'pending')", (file_id, len(photo), key, bucket))  # fmt: skip
            wait_thumbnail(civic, file_id, "completed")
            keys = one(civic, "SELECT s3_thumbnail_small_key, s3_thumbnail_medium_key, s3_thumbnail_large_key"
                       " FROM metadata.files WHERE id = %s", file_id)  # fmt: skip
            for k, size in zip(keys, (150, 400, 800), strict=True):
                img = Image.open(io.BytesIO(s3[1].get_object(Bucket=bucket, Key=k)["Body"].read()))
                assert img.format == "JPEG" and img.size == (size, size)
                assert not img.getexif()
                # EXIF orientation 6 turned the landscape photo upright: white bars left and right
                assert (
                    min(img.getpixel((1, size // 2))) >= 245
                    and min(img.getpixel((size - 2, size // 2))) >= 245
                )
            # a PDF, stored by another path: first page rendered, PNG
            pdf_id = store_file(
                civic, s3, bucket, "docs/1/a/original.pdf", pdf(612, 792), "application/pdf"
            )
            wait_thumbnail(civic, pdf_id, "completed")
            large = one(
                civic, "SELECT s3_thumbnail_large_key FROM metadata.files WHERE id = %s", pdf_id
            )[0]
            page = Image.open(io.BytesIO(s3[1].get_object(Bucket=bucket, Key=large)["Body"].read()))
            assert page.format == "PNG" and abs(page.size[0] / page.size[1] - 612 / 792) < 0.01
            # notification: a plain INSERT, as create_notification() does
            user = add_user(civic, email="ada@mail.test")
            add_template(civic, "welcome", subject="Welcome {{.Entity.name}}")
            nid = one(civic, "INSERT INTO metadata.notifications (user_id, template_name, entity_data)"
                      " VALUES (%s, 'welcome', '{\"name\": \"Ada\"}') RETURNING id", user)[0]  # fmt: skip
            wait_for(
                lambda: (
                    one(civic, "SELECT status FROM metadata.notifications WHERE id = %s", nid)[0]
                    == "sent"
                ),
                what=f"notification {nid} sent",
                show=lambda: one(
                    civic, "SELECT status FROM metadata.notifications WHERE id = %s", nid
                ),
            )
            (msg,) = [m.message for m in smtp.messages]
            assert msg["Subject"] == "Welcome Ada" and msg["To"] == "ada@mail.test"
            assert "Hello Ada from Civic OS" in msg.get_body(("html",)).get_content()
            wait_for(
                lambda: "running" not in states(civic) and "available" not in states(civic),
                what="no job running or available",
                show=lambda: states(civic),
            )
            assert set(states(civic)) == {"completed"}
        finally:
            assert sup.stop() == 0
    assert 2 <= sampler.peak <= 4


def test_bad_inputs_fail_cleanly_while_the_children_keep_serving(db_url, civic, s3, bucket, smtp):
    sup = start(db_url, config(s3, bucket, smtp), only=ALL)
    try:
        pids = {n: p.pid for n, p in sup.children().items()}
        bad = {"corrupt.jpg": (corrupt_jpeg(), "image/jpeg"), "trunc.png": (truncated_png(), "image/png"),
               "bomb.png": (png_bomb(), "image/png"), "fake.jpg": (b"not an image at all", "image/jpeg"),
               "locked.pdf": (encrypted_pdf(), "application/pdf"), "empty.pdf": (b"", "application/pdf")}  # fmt: skip
        ids = {}
        for name, (body, mime) in bad.items():
            ids[name] = store_file(civic, s3, bucket, f"bad/{name}", body, mime)
        rid = one(
            civic, "SELECT public.request_upload_url('../../etc', '1', 'x.jpg', 'image/jpeg')::text"
        )[0]
        for name, file_id in ids.items():
            wait_thumbnail(civic, file_id, "failed")
            error = one(civic, "SELECT thumbnail_error FROM metadata.files WHERE id = %s", file_id)[
                0
            ]
            assert error, name
        wait_for(
            lambda: (
                one(civic, "SELECT status FROM metadata.file_upload_requests WHERE id = %s", rid)[0]
                == "failed"
            ),
            what=f"upload request {rid} failed",
            show=lambda: one(
                civic, "SELECT status FROM metadata.file_upload_requests WHERE id = %s", rid
            ),
        )
        wait_for(
            lambda: states(civic) == {"cancelled": len(bad) + 1},
            what='job states {"cancelled": len(bad) + 1}',
            show=lambda: states(civic),
        )
        errors = civic.execute("SELECT errors[1]->>'error' FROM metadata.river_job").fetchall()
        assert all(e[0] for e in errors)
        good = store_file(civic, s3, bucket, "good/a.jpg", jpeg(800, 600), "image/jpeg")
        wait_thumbnail(civic, good, "completed")
        assert {n: p.pid for n, p in sup.children().items()} == pids
    finally:
        assert sup.stop() == 0
