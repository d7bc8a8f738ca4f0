"""html/template contextual escaping beyond the golden vectors."""

from __future__ import annotations

import json

import pytest

from workers.notifications.render import TemplateExecError, render_part

META = {"site_url": "https://civic.example.org", "site_name": "Civic", "api_url": "https://api"}
ENTITY = {
    "s": "héllo",
    "n": 42,
    "list": ["a", 1, None],
    "obj": {"b": 1, "a": [1, 2]},
    "js": "javascript:alert(1)",
    "xss": "</script><b>",
}


def render(template: str, entity: dict | None = None) -> str:
    data = json.dumps(ENTITY if entity is None else entity)
    return render_part(template, data, html=True, metadata=META, timezone="UTC")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('<a href="/x?{{.Entity.s}}">{{.Entity.s}}</a>', '<a href="/x?h%c3%a9llo">héllo</a>'),
        (
            '<a href="{{.Entity.js}}#{{.Entity.js}}">',
            '<a href="#ZgotmplZ#javascript%3aalert%281%29">',
        ),
        ('<a href="javascript:{{.Entity.s}}">', '<a href="javascript:h%c3%a9llo">'),
        ('<p onclick="f({{.Entity.obj}})">', '<p onclick="f({&#34;a&#34;:[1,2],&#34;b&#34;:1})">'),
        (
            "<script>var t = '{{.Entity.list}}';</script>",
            "<script>var t = '[a 1 \\u003cnil\\u003e]';</script>",
        ),
        (
            "<script>var t = `a ${ {{.Entity.n}} } {{.Entity.s}}`;</script>",
            "<script>var t = `a ${  42  } héllo`;</script>",
        ),
        (
            "<script>var s = {{.Entity.xss}};</script>",
            '<script>var s = "\\u003c/script\\u003e\\u003cb\\u003e";</script>',
        ),
        ('<script>var s = "</script>";</script>', '<script>var s = "\\x3C/script>";</script>'),
        (
            '<div style="background: url({{.Entity.s}})">',
            '<div style="background: url(h%c3%a9llo)">',
        ),
        ("<textarea>{{.Entity.xss}}</textarea>", "<textarea>&lt;/script&gt;&lt;b&gt;</textarea>"),
        ("<!DOCTYPE html><p>a < b</p>", "<!DOCTYPE html><p>a &lt; b</p>"),
        ("a<!-- {{.Entity.s}} -->b<style>/* c */p{}</style>", "ab<style> p{}</style>"),
        (
            "<input value={{.Entity.s}} {{if .Entity.n}}checked{{end}}>",
            "<input value=héllo checked>",
        ),
        ('<a title="{{.Entity.s}}" {{.Entity.s}}>', '<a title="héllo" ZgotmplZ>'),
        (
            "<p>{{.Entity.s | html}}</p><p>{{html .Entity.missing}}</p>",
            "<p>héllo</p><p>&lt;nil&gt;</p>",
        ),
        ('<a href="/s?q={{.Entity.s | urlquery}}">', '<a href="/s?q=h%C3%A9llo">'),
        (
            '<img srcset="{{.Entity.s}} 2x, {{.Entity.js}}">',
            '<img srcset="h%c3%a9llo 2x, #ZgotmplZ">',
        ),
    ],
)
def test_contexts(template: str, expected: str) -> None:
    assert render(template) == expected


def test_called_template_is_escaped_for_each_calling_context() -> None:
    template = (
        '{{define "v"}}{{.}}{{end}}'
        '<a href="{{template "v" .Entity.s}}" title="{{template "v" .Entity.xss}}">'
        '{{template "v" .Entity.xss}}</a>'
    )
    assert render(template) == (
        '<a href="h%c3%a9llo" title="&lt;/script&gt;&lt;b&gt;">&lt;/script&gt;&lt;b&gt;</a>'
    )


def test_recursive_template_in_html() -> None:
    template = (
        '{{define "r"}}{{if .}}<i>{{index . 0}}</i>{{template "r" slice . 1}}{{end}}{{end}}'
        '{{template "r" .Entity.list}}'
    )
    assert render(template) == "<i>a</i><i>1</i><i></i>"


def test_range_body_must_end_where_it_started() -> None:
    with pytest.raises(TemplateExecError, match="on range loop re-entry"):
        render('{{range .Entity.list}}<a href="{{.}}{{end}}">')


def test_break_and_continue_contexts_join() -> None:
    template = "{{range .Entity.list}}{{if not .}}{{break}}{{end}}<b>{{.}}</b>{{end}}"
    assert render(template) == "<b>a</b><b>1</b>"


def test_markdown_is_trusted_html_in_text_but_stripped_in_attributes() -> None:
    template = '<div title="{{markdown "**b**"}}">{{markdown "*i*"}}</div>'
    assert render(template) == '<div title="b\n"><p><em>i</em></p>\n</div>'


def test_markdown_in_text_template_is_plain_text() -> None:
    out = render_part(
        '{{markdown "a & <b>x</b>"}}', "{}", html=False, metadata=META, timezone="UTC"
    )
    assert out == "<p>a &amp; <!-- raw HTML omitted -->x<!-- raw HTML omitted --></p>\n"


def test_missing_values_render_empty_in_every_context() -> None:
    template = '<a href="{{.Entity.x}}" title="{{.Entity.x}}">{{.Entity.x}}</a><script>{{.Entity.x}}</script>'
    assert render(template) == '<a href="" title=""></a><script> null </script>'
