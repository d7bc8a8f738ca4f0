"""staticAsset breakpoints against the real tables, through preview_template_parts.

renderer.go picks `original_file_id` for "original", the crop for desktop/tablet/mobile (any other
name means desktop, case-sensitively), and falls back to the original when the crop is NULL.
"""

from __future__ import annotations

import psycopg

from tests.support.database import one, scalar
from tests.support.notifications import Worker, add_file, job_args, settings

BASE = "http://localhost:9000/civic-os-files"


def add_asset(db: psycopg.Connection, slug: str, **crops: str | None) -> None:
    """An asset whose original is `{slug}.png`, with the named crops as `{slug}-{name}.png`."""
    names = ("desktop", "tablet", "mobile")
    ids = {n: add_file(db, f"{slug}-{n}.png") if crops.get(n) else None for n in names}
    db.execute(
        "INSERT INTO metadata.static_assets (slug, display_name, original_file_id,"
        " desktop_file_id, tablet_file_id, mobile_file_id) VALUES (%s, %s, %s, %s, %s, %s)",
        (slug, slug, add_file(db, f"{slug}.png"), ids["desktop"], ids["tablet"], ids["mobile"]),
    )


def preview(db: psycopg.Connection, db_url: str, template: str) -> str:
    """The text part as the worker renders it, with an S3 endpoint configured."""
    vid = str(
        scalar(
            db,
            "SELECT validation_id FROM public.preview_template_parts(p_text_template => %s)",
            (template,),
        )
    )
    args = job_args(db, "preview_template_parts", validation_id=vid)
    worker = Worker(db_url, settings(2525, notifications={"static_asset_base": BASE}))
    try:
        assert worker.run("preview_template_parts", args).state == "completed"
    finally:
        worker.close()
    valid, text = one(
        db,
        "SELECT valid, error_message FROM metadata.template_part_validation_results"
        " WHERE validation_id = %s AND part_name = 'text'",
        (vid,),
    )
    assert valid, text
    return text


def calls(slug: str, *breakpoints: str) -> str:
    return "|".join(f'{{{{staticAsset "{slug}" "{bp}"}}}}' for bp in breakpoints)


def test_original_breakpoint_is_the_uncropped_file(civic, db_url) -> None:
    add_asset(civic, "logo", desktop="y", tablet="y", mobile="y")
    template = calls("logo", "original", "desktop", "tablet", "mobile", "", "ORIGINAL", "huge")
    assert preview(civic, db_url, template + '|{{staticAsset "logo"}}') == "|".join(
        f"{BASE}/{key}"
        for key in (
            "logo.png",
            "logo-desktop.png",
            "logo-tablet.png",
            "logo-mobile.png",
            "logo-desktop.png",  # "" is the default
            "logo-desktop.png",  # the names are case-sensitive
            "logo-desktop.png",
            "logo-desktop.png",
        )
    )


def test_missing_crops_fall_back_to_the_original(civic, db_url) -> None:
    add_asset(civic, "seal", tablet="y")
    template = calls("seal", "original", "desktop", "tablet", "mobile")
    assert preview(civic, db_url, template + '|{{staticAsset "gone" "original"}}') == (
        f"{BASE}/seal.png|{BASE}/seal.png|{BASE}/seal-tablet.png|{BASE}/seal.png|"
    )
