"""Renders a notification template's parts with the Go-compatible engine.

The data context is the job's entity snapshot plus `Metadata` (site_url, site_name,
api_url); `staticAsset` reaches the database only through the child's registered statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workers.job import JobContext

PARTS = ("subject", "html", "text", "sms")


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str
    sms: str


def entity_json(entity_data: Any) -> str | None:
    """The snapshot as JSON text for the engine (which decodes numbers the way Go does)."""
    return None if entity_data is None else json.dumps(entity_data)


class Renderer:
    def __init__(
        self, *, site_url: str, app_title: str, api_url: str, timezone: str, static_asset_base: str
    ) -> None:
        self.metadata = {"site_url": site_url, "site_name": app_title, "api_url": api_url}
        self.timezone = timezone
        self.static_base = static_asset_base.rstrip("/")

    def part(self, ctx: JobContext, name: str, template: str, entity: str | None) -> str:
        """Render one part; raises the engine's TemplateError subclasses."""
        from workers.notifications.render import render_part

        return render_part(
            template,
            entity,
            html=name == "html",
            metadata=self.metadata,
            timezone=self.timezone,
            static_asset=self.static_asset(ctx) if self.static_base else None,
        )

    def render(self, ctx: JobContext, template: dict[str, Any], entity_data: Any) -> Rendered:
        """Subject, HTML, text, and SMS when the template has one."""
        entity = entity_json(entity_data)
        out = {
            name: self.part(ctx, name, template[f"{name}_template"], entity)
            if template[f"{name}_template"]
            else ""
            for name in PARTS
        }
        return Rendered(**out)

    def static_asset(self, ctx: JobContext) -> Callable[..., str]:
        """`staticAsset slug [breakpoint]` -> public URL, or "" (unknown slug, DB error)."""

        def lookup(slug: str, breakpoint: str = "desktop") -> str:
            try:
                rows = ctx.query("static_asset", slug=slug, breakpoint=breakpoint)
            except Exception as exc:  # noqa: BLE001 - Go returns "" on a DB error too
                ctx.log.warning("staticAsset %r lookup failed: %s", slug, exc)
                return ""
            return f"{self.static_base}/{rows[0]['key']}" if rows else ""

        return lookup
