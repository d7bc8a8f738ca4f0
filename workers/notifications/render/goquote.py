"""strconv.Quote, QuoteRune and Go's float formatting primitives (strconv.FormatFloat)."""

from __future__ import annotations

import math
import struct

from .gostr import is_stray, stray_byte

_SIMPLE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def is_print(ch: str) -> bool:
    """unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space."""
    return ch.isprintable() and not is_stray(ch)


def _escape_rune(ch: str, quote: str, ascii_only: bool) -> str:
    if ch == quote or ch == "\\":
        return "\\" + ch
    if ascii_only:
        if ch < "\x80" and is_print(ch):
            return ch
    elif is_print(ch):
        return ch
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch]
    r = ord(ch)
    if r < 0x20 or r == 0x7F:
        return f"\\x{r:02x}"
    if 0xD800 <= r <= 0xDFFF:
        r = 0xFFFD
    if r < 0x10000:
        return f"\\u{r:04x}"
    return f"\\U{r:08x}"


def quote(s: str, ascii_only: bool = False) -> str:
    out = ['"']
    for ch in s:
        if is_stray(ch):
            out.append(f"\\x{stray_byte(ch):02x}")
        else:
            out.append(_escape_rune(ch, '"', ascii_only))
    out.append('"')
    return "".join(out)


def quote_rune(r: int, ascii_only: bool = False) -> str:
    if r > 0x10FFFF or 0xD800 <= r <= 0xDFFF:
        r = 0xFFFD
    return "'" + _escape_rune(chr(r), "'", ascii_only) + "'"


def can_backquote(s: str) -> bool:
    for ch in s:
        if ch == "`" or ch == "\ufeff" or is_stray(ch):
            return False
        if (ch < " " and ch != "\t") or ch == "\x7f":
            return False
    return True


def shortest_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of abs(f) and the decimal point position.

    Both Python's repr and Go's strconv produce the shortest uniquely identifying digits.
    """
    r = repr(abs(f))
    mantissa, _, exp = r.partition("e")
    intpart, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (intpart + frac).lstrip("0")
    dp = len(intpart) + (int(exp) if exp else 0)
    if not digits:
        return "0", 1
    lead = len(intpart + frac) - len((intpart + frac).lstrip("0"))
    dp -= lead
    return digits.rstrip("0") or "0", dp


def _exp_suffix(exp: int, letter: str, min_digits: int = 2) -> str:
    sign = "-" if exp < 0 else "+"
    return f"{letter}{sign}{abs(exp):0{min_digits}d}"


def format_float(f: float, fmt: str, prec: int) -> str:
    """strconv.FormatFloat(f, fmt, prec, 64) for fmt in e, E, f, F, g, G, b, x, X."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = math.copysign(1.0, f) < 0
    sign = "-" if neg else ""
    if fmt == "b":
        return sign + _format_b(abs(f))
    if fmt in "xX":
        return sign + _format_x(abs(f), prec, fmt)
    if prec < 0:
        digits, dp = shortest_digits(f)
        if f == 0:
            digits, dp = "0", 1
        return sign + _from_digits(digits, dp, fmt, prec)
    if fmt in "gG":
        p = prec or 1
        body = f"{abs(f):.{p - 1}e}"
        mant, _, exp = body.partition("e")
        digits = mant.replace(".", "").rstrip("0") or "0"
        dp = int(exp) + 1 if abs(f) != 0 else 1
        eprec = p
        if eprec > len(digits) and len(digits) >= dp:
            eprec = len(digits)
        x = dp - 1
        if x < -4 or x >= eprec:
            q = min(p, len(digits))
            return sign + _fmt_e(digits, dp, q - 1, "e" if fmt == "g" else "E")
        q = min(p, len(digits)) if p > dp else p
        return sign + _fmt_f(digits, dp, max(q - dp, 0))
    if fmt in "eE":
        return sign + f"{abs(f):.{prec}{fmt}}"
    return sign + f"{abs(f):.{prec}f}"


def _fmt_e(digits: str, dp: int, prec: int, letter: str) -> str:
    first = digits[0]
    rest = digits[1:].ljust(prec, "0")[:prec] if prec > 0 else ""
    exp = dp - 1 if digits != "0" else 0
    return first + ("." + rest if prec > 0 else "") + _exp_suffix(exp, letter)


def _fmt_f(digits: str, dp: int, prec: int) -> str:
    intpart = digits[:dp].ljust(dp, "0") if dp > 0 else "0"
    frac = ""
    for i in range(prec):
        j = dp + i
        frac += digits[j] if 0 <= j < len(digits) else "0"
    return intpart + ("." + frac if prec > 0 else "")


def _from_digits(digits: str, dp: int, fmt: str, prec: int) -> str:
    """Shortest formatting (prec == -1) from decimal digits, mirroring strconv's %e/%f/%g."""
    if fmt in "eE":
        return _fmt_e(digits, dp, len(digits) - 1, fmt)
    if fmt in "fF":
        return _fmt_f(digits, dp, max(len(digits) - dp, 0))
    exp = dp - 1
    if exp < -4 or exp >= 6:
        return _fmt_e(digits, dp, len(digits) - 1, "E" if fmt == "G" else "e")
    return _fmt_f(digits, dp, max(len(digits) - dp, 0))


def _bits(f: float) -> tuple[int, int]:
    raw = struct.unpack("<Q", struct.pack("<d", f))[0]
    return (raw >> 52) & 0x7FF, raw & ((1 << 52) - 1)


def _format_b(f: float) -> str:
    exp, mant = _bits(f)
    if exp == 0:
        exp = 1
    else:
        mant |= 1 << 52
    e = exp - 1023 - 52
    return f"{mant}p{'-' if e < 0 else '+'}{abs(e)}"


def _format_x(f: float, prec: int, fmt: str) -> str:
    exp, mant = _bits(f)
    if f == 0:
        e = 0
        mant = 0
    else:
        if exp == 0:
            e = -1022
            while mant < (1 << 52):
                mant <<= 1
                e -= 1
        else:
            mant |= 1 << 52
            e = exp - 1023
    frac = mant & ((1 << 52) - 1)
    lead = 1 if f != 0 else 0
    if 0 <= prec < 13:
        shift = 52 - 4 * prec
        full = mant >> shift
        rem = mant & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and full & 1):
            full += 1
        if full >> (4 * prec) >= 2:
            full >>= 1
            e += 1
        lead = full >> (4 * prec) if f != 0 else 0
        frac_digits = f"{full & ((1 << (4 * prec)) - 1):0{prec}x}" if prec else ""
    elif prec >= 13:
        frac_digits = f"{frac:013x}".ljust(prec, "0")
    else:
        frac_digits = f"{frac:013x}".rstrip("0")
    s = (
        f"0x{lead}"
        + ("." + frac_digits if frac_digits else "")
        + f"p{'-' if e < 0 else '+'}{abs(e):02d}"
    )
    return s.upper() if fmt == "X" else s


def format_json_float(f: float) -> str:
    """encoding/json's float64 encoding (ES6 number-to-string style)."""
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    digits, dp = shortest_digits(f)
    sign = "-" if f < 0 else ""
    a = abs(f)
    if a < 1e-6 or a >= 1e21:
        s = _fmt_e(digits, dp, len(digits) - 1, "e")
        mant, _, exp = s.partition("e")
        sgn, num = exp[0], exp[1:].lstrip("0") or "0"
        return f"{sign}{mant}e{sgn}{num}"
    return sign + _fmt_f(digits, dp, max(len(digits) - dp, 0))
