"""Keep secrets out of logs: passwords in URLs and configured secret values."""

from __future__ import annotations

import re

_URL_PASSWORD = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@"
)
_KV_PASSWORD = re.compile(r"(password\s*=\s*)(\S+)", re.IGNORECASE)


def redact_url(text: str) -> str:
    """`postgresql://u:secret@h/db` -> `postgresql://u:***@h/db`; also `password=...`."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    return _KV_PASSWORD.sub(r"\1***", text)
