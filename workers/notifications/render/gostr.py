"""Go strings are bytes: helpers that keep Python ``str`` while honouring byte semantics.

A byte that is not part of valid UTF-8 is kept as the surrogate escape U+DC80+byte, the same
convention as Python's ``surrogateescape`` error handler. ``len``, ``index`` and ``slice`` work on
the UTF-8 bytes; output turns each stray byte into U+FFFD, as Go's JSON encoding of the result
(and any UTF-8 reader) would.
"""

from __future__ import annotations

import codecs
import re

_STRAY = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def to_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def from_bytes(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def byte_len(s: str) -> int:
    if s.isascii():
        return len(s)
    return len(to_bytes(s))


def is_stray(ch: str) -> bool:
    """True for a surrogate escape standing for one invalid UTF-8 byte."""
    return "\udc80" <= ch <= "\udcff"


def stray_byte(ch: str) -> int:
    return ord(ch) - 0xDC00


def clean_output(s: str) -> str:
    """Replace stray bytes by U+FFFD so the result is valid Unicode text."""
    if s.isascii() or not _STRAY.search(s):
        return s
    return _STRAY.sub("\ufffd", s)


def _go_replace(err: UnicodeError) -> tuple[str, int]:
    """Decode error handler: one U+FFFD per invalid byte, like Go's utf8.DecodeRune loop."""
    assert isinstance(err, UnicodeDecodeError)
    return "\ufffd", err.start + 1


codecs.register_error("go-replace", _go_replace)


def decode_go(data: bytes) -> str:
    """UTF-8 decode the way Go's JSON decoder repairs strings: each bad byte -> U+FFFD."""
    return data.decode("utf-8", "go-replace")


def repair_surrogates(s: str) -> str:
    """Lone UTF-16 surrogates (from JSON ``\\ud800`` escapes) become U+FFFD, as in Go."""
    if s.isascii() or not _SURROGATE.search(s):
        return s
    return _SURROGATE.sub("\ufffd", s)
