"""validate_template_parts / preview_template_parts through the real RPCs and tables."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.support.database import one, scalar
from tests.support.notifications import Worker, add_file, job_args, settings


def request(db: psycopg.Connection, rpc: str, **given: Any) -> tuple[str, dict[str, Any]]:
    """Call the RPC with `p_<name>` arguments; returns the validation id and its job's args."""
    params = {k: Jsonb(v) if k == "sample_entity_data" else v for k, v in given.items()}
    named = ", ".join(f"p_{k} => %({k})s" for k in params)
    vid = str(scalar(db, f"SELECT validation_id FROM public.{rpc}({named})", params))
    return vid, job_args(db, rpc, validation_id=vid)


def parts(db: psycopg.Connection, validation_id: str) -> dict[str, tuple[bool, str]]:
    rows = db.execute(
        "SELECT part_name, valid, error_message FROM metadata.template_part_validation_results"
        " WHERE validation_id = %s ORDER BY id",
        (validation_id,),
    ).fetchall()
    return {name: (valid, message) for name, valid, message in rows}


def status(db: psycopg.Connection, validation_id: str) -> tuple[str, bool]:
    return one(
        db,
        "SELECT status, completed_at IS NOT NULL FROM metadata.template_validation_results"
        " WHERE id = %s",
        (validation_id,),
    )


def test_validate_checks_each_given_part(civic, worker) -> None:
    vid, args = request(
        civic,
        "validate_template_parts",
        subject_template="Hi {{.Entity.name}}",
        html_template="<p>{{if}}</p>",
        text_template="",
    )
    assert status(civic, vid) == ("pending", False)
    assert worker.run("validate_template_parts", args).state == "completed"
    result = parts(civic, vid)
    assert set(result) == {"subject", "html"}  # empty and NULL parts are skipped
    assert result["subject"] == (True, "")
    assert result["html"][0] is False
    assert result["html"][1].startswith("invalid template syntax: ")
    assert status(civic, vid) == ("completed", True)


def test_preview_stores_rendered_output(civic, worker) -> None:
    vid, args = request(
        civic,
        "preview_template_parts",
        subject_template="Hi {{.Entity.display_name}} #{{.Entity.id}}",
        html_template="<b>{{.Entity.display_name}}</b> {{.Metadata.site_url}}",
        sms_template="{{.Entity.nope.deeper}}",
        sample_entity_data={"display_name": "<Park>", "id": 1234567},
    )
    assert worker.run("preview_template_parts", args).state == "completed"
    result = parts(civic, vid)
    assert result["subject"] == (True, "Hi <Park> #1.234567e+06")
    assert result["html"] == (True, "<b>&lt;Park&gt;</b> https://civic.test")
    assert result["sms"][0] is False and result["sms"][1].startswith("Rendering error: ")
    assert status(civic, vid) == ("completed", True)


def test_preview_with_default_sample_data(civic, worker) -> None:
    vid, args = request(civic, "preview_template_parts", text_template="{{.Entity.display_name}}")
    worker.run("preview_template_parts", args)
    assert parts(civic, vid) == {"text": (True, "Example Entity")}


def test_unknown_validation_request_is_cancelled(civic, worker) -> None:
    args = {"validation_id": str(uuid.uuid4()), "subject_template": "x"}
    assert worker.run("validate_template_parts", args).state == "cancelled"
    assert worker.run("preview_template_parts", {"validation_id": "nope"}).state == "cancelled"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://localhost:9000/civic-os-files", "{0}/logo-desktop.png|{0}/logo.png|"),
        ("", "||"),  # no S3 endpoint configured (plain AWS): Go yields "" too
    ],
)
def test_static_asset_urls_in_preview(civic, db_url, base, expected) -> None:
    original, desktop = add_file(civic, "logo.png"), add_file(civic, "logo-desktop.png")
    civic.execute(
        "INSERT INTO metadata.static_assets (slug, display_name, original_file_id, desktop_file_id)"
        " VALUES ('logo', 'Logo', %s, %s)",
        (original, desktop),
    )
    template = '{{staticAsset "logo"}}|{{staticAsset "logo" "mobile"}}|{{staticAsset "nope"}}'
    vid, args = request(civic, "preview_template_parts", text_template=template)
    worker = Worker(db_url, settings(2525, notifications={"static_asset_base": base}))
    worker.run("preview_template_parts", args)
    worker.close()
    assert parts(civic, vid) == {"text": (True, expected.format(base))}
