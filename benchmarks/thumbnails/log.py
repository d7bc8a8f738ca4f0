"""Progress lines on stderr, so stdout holds only the table or the JSON."""

from __future__ import annotations

import sys


def say(text: str) -> None:
    print(f"thumbnails bench: {text}", file=sys.stderr, flush=True)
