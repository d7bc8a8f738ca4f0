"""Bulk-email tracking: suppression of unsubscribed recipients, token, footer and pixel.

The token row is written at once (not staged with the job's outcome): the unsubscribe link
in a delivered email must work even if the job's completion is later lost.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from workers.job import JobContext

log = logging.getLogger(__name__)
DEFAULT_REASON = "You received this email based on your registration."
_CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Tracked:
    """The HTML with footer and pixel, and the headers that go with the token."""

    html: str
    headers: dict[str, str]


class Suppressed(Exception):  # noqa: N818 - an outcome (do not send), not an error
    """The recipient unsubscribed from this template: do not send."""


class TrackingInjector:
    def __init__(self, tracking_url: str) -> None:
        self.base = tracking_url.rstrip("/")
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None

    def settings(self, ctx: JobContext) -> dict[str, Any]:
        """`notification_settings` row 1, cached 5 minutes; defaults when it cannot be read."""
        with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < _CACHE_SECONDS:
                return self._cached[1]
        try:
            rows = ctx.query("tracking_settings")
        except Exception as exc:  # noqa: BLE001 - tracking must not block delivery
            ctx.log.warning("notification_settings unreadable, using defaults: %s", exc)
            rows = []
        found = rows[0] if rows else {}
        settings = {
            "organization_address": found.get("organization_address") or "",
            "reason": found.get("reason") or DEFAULT_REASON,
            "tracking_enabled": found.get("tracking_enabled", True) is not False,
        }
        with self._lock:
            self._cached = (time.monotonic(), settings)
        return settings

    def inject(
        self,
        ctx: JobContext,
        *,
        recipient: str,
        template: str,
        entity_type: str | None,
        entity_id: str | None,
        entity_data: Any,
        html_body: str,
    ) -> Tracked | None:
        """None when tracking is off; raises Suppressed for an unsubscribed recipient."""
        settings = self.settings(ctx)
        if not settings["tracking_enabled"]:
            return None
        rows = ctx.query("tracking_suppressed", email=recipient, template_name=template)
        if rows and rows[0]["suppressed"]:
            raise Suppressed(f"{recipient} unsubscribed from {template}")
        token = ctx.query(
            "tracking_token_insert",
            email=recipient,
            template_name=template,
            entity_type=entity_type,
            entity_id=entity_id,
            entity_data=json.dumps(entity_data),
        )[0]["id"]
        if not settings["organization_address"]:
            ctx.log.warning(
                "notification_settings.organization_address is empty: bulk emails need a postal address"
            )
        unsubscribe = f"{self.base}/t/u?t={token}"
        block = _footer(settings, unsubscribe) + "\n" + _pixel(f"{self.base}/t/o?t={token}")
        at = html_body.lower().rfind("</body>")
        tracked = html_body + block if at < 0 else f"{html_body[:at]}{block}\n{html_body[at:]}"
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return Tracked(tracked, headers)


def _footer(settings: dict[str, Any], unsubscribe: str) -> str:
    address = settings["organization_address"]
    address_line = (
        f'\n  <p style="margin:0; color:#a1a1aa;">{html.escape(address)}</p>' if address else ""
    )
    return (
        '<div style="margin-top:32px; padding-top:16px; border-top:1px solid #e4e4e7; '
        'text-align:center; font-size:12px; color:#a1a1aa; font-family:sans-serif;">\n'
        f'  <p style="margin:0 0 8px;">{html.escape(settings["reason"])}</p>\n'
        f'  <p style="margin:0 0 8px;"><a href="{html.escape(unsubscribe)}" '
        'style="color:#71717a; text-decoration:underline;">Unsubscribe</a></p>'
        f"{address_line}\n</div>"
    )


def _pixel(url: str) -> str:
    return (
        f'<img src="{html.escape(url)}" width="1" height="1" alt="" '
        'style="display:block;height:1px;width:1px;overflow:hidden;" />'
    )
