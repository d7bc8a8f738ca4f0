"""printf's rune verbs on negative integers, as Go's fmt prints them.

fmt hands every integer to fmtInteger as uint64(v): %U then prints the two's-complement value
(fmtUnicode), and %c / %q see a value beyond utf8.MaxRune and print U+FFFD. Signed verbs such
as %d and %x keep the sign.
"""

from __future__ import annotations

import pytest

from workers.notifications.render import render_part

META = {"site_url": "https://civic.example.org", "site_name": "Civic", "api_url": "https://api"}


def render(template: str) -> str:
    return render_part(
        template, '{"n": -1}', html=False, metadata=META, timezone="America/New_York"
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{{printf "%U" -1}}', "U+FFFFFFFFFFFFFFFF"),
        ('{{printf "%U" -65}}', "U+FFFFFFFFFFFFFFBF"),  # 2**64 - 65
        ('{{printf "%U" -9223372036854775808}}', "U+8000000000000000"),
        ('{{printf "%#U" -1}}', "U+FFFFFFFFFFFFFFFF"),  # beyond MaxRune: no quoted rune
        ('{{printf "%.20U" -1}}', "U+0000FFFFFFFFFFFFFFFF"),
        ('{{printf "%.2U" -1}}', "U+FFFFFFFFFFFFFFFF"),
        ('{{printf "%24U|" -1}}', "      U+FFFFFFFFFFFFFFFF|"),
        ('{{printf "%-24U|" -1}}', "U+FFFFFFFFFFFFFFFF      |"),
        ('{{printf "%024U" -1}}', "      U+FFFFFFFFFFFFFFFF"),  # fmtUnicode drops the 0 flag
        ('{{printf "%+U % U" -1 -1}}', "U+FFFFFFFFFFFFFFFF U+FFFFFFFFFFFFFFFF"),
        ('{{printf "%U %#U" 65 128640}}', "U+0041 U+1F680 '\U0001f680'"),
        ('{{printf "%#U" 55296}}', "U+D800"),  # a surrogate is not printable
        ('{{printf "%c|%q|%+q" -1 -1 -1}}', "\ufffd|'\ufffd'|'\\ufffd'"),
        ('{{printf "%q" -9223372036854775808}}', "'\ufffd'"),
        ('{{printf "%d %x %X %o %b" -1 -255 -255 -8 -2}}', "-1 -ff -FF -10 -10"),
        ('{{printf "%U" .Entity.n}}', "%!U(float64=-1)"),  # JSON numbers are float64
    ],
)
def test_rune_verbs_of_negative_integers(template: str, expected: str) -> None:
    assert render(template) == expected
