"""URL filtering, normalisation and escaping (url.go)."""

from __future__ import annotations

from typing import Any

from ..gostr import from_bytes, to_bytes
from .attrs import Content
from .content import FILTER_FAILSAFE, stringify

_RESERVED = frozenset(b"!#$&*+,/:;=?@[]")
_UNRESERVED = frozenset(b"-._~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def is_safe_url(s: str) -> bool:
    """Relative URLs and http(s)/mailto ones are safe; other schemes are not."""
    protocol, sep, _ = s.partition(":")
    if sep and "/" not in protocol:
        return protocol.casefold() in ("http", "https", "mailto")
    return True


def url_filter(*args: Any) -> str:
    s, _ = stringify(args)
    if not is_safe_url(s):
        return "#" + FILTER_FAILSAFE
    return s


def process_url(s: str, norm: bool) -> str:
    """Percent-encode bytes outside RFC 3986's unreserved set (reserved ones too unless norm)."""
    data = to_bytes(s)
    out = bytearray()
    changed = False
    n = len(data)
    for i, c in enumerate(data):
        if (
            c in _UNRESERVED
            or (norm and c in _RESERVED)
            or (c == 0x25 and norm and i + 2 < n and data[i + 1] in _HEX and data[i + 2] in _HEX)
        ):
            out.append(c)
        else:
            out += b"%%%02x" % c
            changed = True
    return from_bytes(bytes(out)) if changed else s


def url_escaper(*args: Any) -> str:
    s, kind = stringify(args)
    return process_url(s, kind == Content.URL)


def url_normalizer(*args: Any) -> str:
    s, _ = stringify(args)
    return process_url(s, True)


def _is_html_space(c: str) -> bool:
    return c in "\t\n\f\r "


def _is_space_or_alnum(c: str) -> bool:
    return c.isascii() and (c.isalnum() or _is_html_space(c))


def _filter_srcset_element(s: str, left: int, right: int, out: list[str]) -> None:
    start = left
    while start < right and _is_html_space(s[start]):
        start += 1
    end = right
    for i in range(start, right):
        if _is_html_space(s[i]):
            end = i
            break
    url = s[start:end]
    if is_safe_url(url) and all(_is_space_or_alnum(c) for c in s[end:right]):
        out.append(s[left:start] + process_url(url, True) + s[end:right])
        return
    out.append("#" + FILTER_FAILSAFE)


def srcset_escaper(*args: Any) -> str:
    s, _ = stringify(args)
    out: list[str] = []
    written = 0
    for i, ch in enumerate(s):
        if ch == ",":
            _filter_srcset_element(s, written, i, out)
            out.append(",")
            written = i + 1
    _filter_srcset_element(s, written, len(s), out)
    return "".join(out)
