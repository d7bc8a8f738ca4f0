"""Go fmt behaviour reached through print/printf and {{.}}, beyond the golden vectors."""

from __future__ import annotations

import pytest

from workers.notifications.render import render_part

META = {"site_url": "https://civic.example.org", "site_name": "Civic", "api_url": "https://api"}
ENTITY = '{"list": ["a", 1, null], "obj": {"b": 1, "a": [1, 2]}, "s": "h\\u00e9llo", "n": 42}'


def render(template: str, entity: str = ENTITY) -> str:
    return render_part(template, entity, html=False, metadata=META, timezone="UTC")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{{printf "%5.2f%%" 3.14159}}', " 3.14%"),
        ('{{printf "%08.3f" -3.14159}}', "-003.142"),
        ('{{printf "%x|% x|%#x|%X" "hi" "hi" "hi" "hi"}}', "6869|68 69|0x6869|6869"),
        ('{{printf "%q %c %U %#U" 65 65 65 65}}', "'A' A U+0041 U+0041 'A'"),
        ('{{printf "%5t|%-6t|" true false}}', " true|false |"),
        (
            '{{printf "%d %+d %x %X %#o %b %08b %#x %O" 3 3 255 255 8 5 5 255 8}}',
            "3 +3 ff FF 010 101 00000101 0xff 0o10",
        ),
        ('{{printf "%*d|%-*d|%.*f" 5 3 5 3 2 3.14159}}', "    3|3    |3.14"),
        ('{{printf "%[2]s %[1]s" "a" "b"}}', "b a"),
        (
            '{{printf "%s|%.3s|%6.3v|%-6s|" "abcdef" "abcdef" "abcdef" "ab"}}',
            "abcdef|abc|   abc|ab    |",
        ),
        ('{{printf "%d %d" 1}}', "1 %!d(MISSING)"),
        ('{{printf "%.0f %.0f %.0f" 0.5 1.5 2.5}}', "0 2 2"),
        (
            '{{printf "%e|%E|%.3g|%G" 123456.789 1e-7 1234.5678 1e-10}}',
            "1.234568e+05|1.000000E-07|1.23e+03|1E-10",
        ),
        ('{{printf "%#g|%#v" 1.0 3.0}}', "1.00000|3"),
        ('{{printf "%6.3d|%.0d|" 7 0}}', "   007||"),
        ('{{printf "%+q" "日本"}}', '"\\u65e5\\u672c"'),
        ('{{printf "%#q" "abc"}}', "`abc`"),
        ('{{printf "%T %T %T %T" 1 \'a\' (index "abc" 0) (len "a")}}', "int int uint8 int"),
        ('{{printf "%v %c %#v" (index "abc" 0) (index "abc" 0) (index "abc" 0)}}', "97 a 0x61"),
        (
            '{{printf "%#v" .Metadata}}',
            'map[string]string{"api_url":"https://api", "site_name":"Civic", '
            '"site_url":"https://civic.example.org"}',
        ),
        ('{{printf "%d" .Entity.list}}', "[%!d(string=a) %!d(float64=1) <nil>]"),
        ('{{printf "%w" .Entity.s}}', "%!w(string=héllo)"),
        ('{{printf "%v|%.2f" 1+2i 1.5-2.25i}}', "(1+2i)|(1.50-2.25i)"),
    ],
)
def test_printf_verbs(template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("number", "printed"),
    [
        ("100000", "100000"),
        ("999999", "999999"),
        ("123456789", "1.23456789e+08"),
        ("0.0001", "0.0001"),
        ("0.00001", "1e-05"),
        ("1e20", "1e+20"),
        ("-1.5e-300", "-1.5e-300"),
        ("2.5e-5", "2.5e-05"),
    ],
)
def test_float64_prints_with_percent_v(number: str, printed: str) -> None:
    assert render("{{.Entity.x}}", f'{{"x": {number}}}') == printed


def test_print_spaces_only_between_non_strings() -> None:
    assert render('{{print 1 2 "a" 3 4 "b" "c" nil 5}}') == "1 2a3 4bc<nil> 5"


def test_println_always_spaces_and_ends_with_newline() -> None:
    assert render('{{println 1 "a" nil}}') == "1 a <nil>\n"


def test_nested_values_print_like_go() -> None:
    assert render("{{.Entity.obj}} {{.Entity.list}}") == "map[a:[1 2] b:1] [a 1 <nil>]"


def test_width_applies_to_each_element_of_a_slice() -> None:
    assert render('{{printf "%3v" .Entity.list}}') == "[  a   1 <nil>]"


def test_strings_are_bytes_for_len_index_and_slice() -> None:
    assert render("{{len .Entity.s}} {{index .Entity.s 1}} {{slice .Entity.s 0 3}}") == "6 195 hé"


def test_slicing_mid_rune_yields_replacement_characters() -> None:
    assert render('{{slice .Entity.s 0 2}}|{{printf "%q" (slice .Entity.s 0 2)}}') == (
        'h\ufffd|"h\\xc3"'
    )


def test_slice_can_extend_into_the_decoded_array_capacity() -> None:
    # encoding/json appends elements one by one, so three elements have capacity four.
    assert render("{{slice .Entity.list 0 4}}") == "[a 1 <nil> <nil>]"


def test_escape_sequences_in_string_literals() -> None:
    assert render('{{"tab\\there \\u00e9 \\x41"}}|{{`raw\\n`}}') == "tab\there é A|raw\\n"
