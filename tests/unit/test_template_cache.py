"""The parse cache: templates are parsed (and escaped) once per source, within a bound."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from workers.notifications.render import (
    TemplateExecError,
    TemplateParseError,
    engine,
    parser,
    render_part,
)

META = {"site_url": "https://civic.example.org", "site_name": "Civic", "api_url": "https://api"}


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Count real parses; the cache starts empty and is emptied again afterwards."""
    calls: list[str] = []
    real = parser.parse

    def counting(text: str, name: str, funcs: frozenset[str]) -> dict[str, parser.Tree]:
        calls.append(text)
        return real(text, name, funcs)

    engine.CACHE.clear()
    monkeypatch.setattr(engine, "parse", counting)
    yield calls
    engine.CACHE.clear()


def render(template: str, html: bool = False, entity: str = '{"n": 1}') -> str:
    return render_part(template, entity, html=html, metadata=META, timezone="UTC")


def test_same_source_is_parsed_once(parse_calls: list[str]) -> None:
    for n in range(3):
        assert render("n={{.Entity.n}}", entity=f'{{"n": {n}}}') == f"n={n}"
    assert parse_calls == ["n={{.Entity.n}}"]


def test_text_and_html_are_cached_separately(parse_calls: list[str]) -> None:
    assert render("{{.Entity.s}}", entity='{"s": "<b>"}') == "<b>"
    assert render("{{.Entity.s}}", html=True, entity='{"s": "<b>"}') == "&lt;b&gt;"
    assert len(parse_calls) == 2


def test_validation_and_rendering_do_not_share_entries(parse_calls: list[str]) -> None:
    engine.validate_part("{{.x}}", html=False)
    render("{{.x}}")
    assert len(parse_calls) == 2


def test_parse_errors_are_cached_and_raised_each_time(parse_calls: list[str]) -> None:
    for _ in range(2):
        with pytest.raises(TemplateParseError, match="unclosed action"):
            render("{{.x")
    assert len(parse_calls) == 1


def test_escaping_errors_are_cached_and_raised_each_time(parse_calls: list[str]) -> None:
    for _ in range(2):
        with pytest.raises(TemplateExecError, match="non-text context"):
            render("<a title='{{.x}}", html=True)
    assert len(parse_calls) == 1


def test_cache_is_bounded(parse_calls: list[str]) -> None:
    for i in range(engine.CACHE_SIZE + 20):
        render(f"{i}:{{{{.Entity.n}}}}")
    assert len(engine.CACHE) == engine.CACHE_SIZE
    render("0:{{.Entity.n}}")  # evicted as least recently used, so parsed again
    assert parse_calls.count("0:{{.Entity.n}}") == 2


def test_concurrent_renders_of_one_html_template(parse_calls: list[str]) -> None:
    template = '{{range .Entity.items}}<a href="/x?q={{.}}">{{.}}</a>{{end}}'
    expected = '<a href="/x?q=a%20b">a b</a><a href="/x?q=%3c">&lt;</a>'
    results: list[str] = []

    def work() -> None:
        for _ in range(50):
            results.append(render(template, html=True, entity='{"items": ["a b", "<"]}'))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 400
    assert len(parse_calls) == 1
