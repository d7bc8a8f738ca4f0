"""Error phases and messages: what a template author sees when a template or its data is bad."""

from __future__ import annotations

import pytest

from workers.notifications.render import (
    EntityDataError,
    TemplateError,
    TemplateExecError,
    TemplateParseError,
    render_part,
    validate_part,
)

META = {"site_url": "https://civic.example.org", "site_name": "Civic", "api_url": "https://api"}


def render(template: str, entity: str | bytes | None = "{}", html: bool = False) -> str:
    return render_part(template, entity, html=html, metadata=META, timezone="America/New_York")


@pytest.mark.parametrize("cls", [TemplateParseError, TemplateExecError, EntityDataError])
def test_all_errors_share_a_base_class(cls: type[Exception]) -> None:
    assert issubclass(cls, TemplateError)


def test_parse_error_names_template_and_line() -> None:
    with pytest.raises(TemplateParseError) as err:
        render("Hello\nthere\n{{.Entity.name")
    assert str(err.value) == "template: text:3: unclosed action"


def test_parse_error_for_unknown_function() -> None:
    with pytest.raises(TemplateParseError, match=r'template: html:2: function "nope" not defined'):
        render("<p>\n{{nope .Entity.x}}</p>", html=True)


def test_parse_error_for_missing_end() -> None:
    with pytest.raises(TemplateParseError, match=r"template: text:1: unexpected EOF"):
        render("{{if .Entity.a}}x")


def test_parse_error_for_undefined_variable() -> None:
    with pytest.raises(TemplateParseError, match=r'undefined variable "\$y"'):
        render("{{$y}}")


def test_exec_error_reports_line_column_and_action() -> None:
    # Like Go, a multi-field chain is positioned at its second field (column 11, 0-based).
    with pytest.raises(TemplateExecError) as err:
        render("Hi\n  {{.Entity.missing.sub}}")
    assert str(err.value) == (
        'template: text:2:11: executing "text" at <.Entity.missing.sub>: '
        "nil pointer evaluating interface {}.sub"
    )


def test_exec_error_for_wrong_argument_type_names_the_function_input() -> None:
    with pytest.raises(
        TemplateExecError, match="wrong type for value; expected string; got float64"
    ):
        render("{{formatPhone .Entity.phone}}", '{"phone": 5551234567}')


def test_exec_error_inside_defined_template_names_it() -> None:
    with pytest.raises(TemplateExecError, match='executing "row" at'):
        render('{{define "row"}}{{.x.y}}{{end}}{{template "row" .Entity}}')


def test_escaping_error_is_an_exec_error_with_a_location() -> None:
    template = '<a href="{{if .Entity.x}}/a?q={{else}}/b{{end}}{{.Entity.y}}">go</a>'
    with pytest.raises(TemplateExecError) as err:
        render(template, html=True)
    message = str(err.value)
    assert message.startswith("html/template:html:1:")
    assert "ambiguous context within a URL" in message


def test_template_ending_inside_a_tag_fails_only_when_rendered() -> None:
    template = '<a href="{{.Entity.url}}'
    validate_part(template, html=True)
    with pytest.raises(TemplateExecError, match="ends in a non-text context"):
        render(template, html=True)


def test_branches_ending_in_different_contexts_fail() -> None:
    with pytest.raises(TemplateExecError, match=r"\{\{if\}\} branches end in different contexts"):
        render('{{if .Entity.a}}<b>{{else}}<i title="{{end}}x', html=True)


def test_escaping_errors_are_reported_every_time() -> None:
    template = "<script>var x = {{.Entity.n}}"
    for _ in range(2):
        with pytest.raises(TemplateExecError, match="non-text context"):
            render(template, html=True)


def test_validate_uses_its_own_template_name() -> None:
    # Go validates as template "validation", so redefining "text" is only fatal when rendering.
    template = '{{define "text"}}redefined{{end}}body'
    validate_part(template, html=False)
    with pytest.raises(TemplateParseError, match="multiple definition"):
        render(template)


def test_validate_rejects_syntax_errors() -> None:
    with pytest.raises(TemplateParseError):
        validate_part("{{range .x}}", html=True)


@pytest.mark.parametrize(
    "entity",
    ["[1, 2]", '"text"', "42", "true", "", "{", '{"a": 1e400}', '{"a": NaN}', "{} {}"],
)
def test_entity_data_that_go_cannot_decode(entity: str) -> None:
    with pytest.raises(EntityDataError):
        render("static", entity)


def test_entity_is_decoded_before_the_template_is_parsed() -> None:
    with pytest.raises(EntityDataError):
        render("{{.Entity.x", "[1]")


@pytest.mark.parametrize("entity", [None, "null", " null "])
def test_null_entity_is_an_empty_map(entity: str | None) -> None:
    assert render("{{.Entity}}|{{.Entity.x}}|{{len .Entity}}", entity) == "map[]|<no value>|0"


def test_entity_bytes_with_invalid_utf8_become_replacement_characters() -> None:
    assert render("{{.Entity.s}}", b'{"s": "a\xffb\xe2\x82"}') == "a\ufffdb\ufffd\ufffd"


def test_lone_surrogate_escapes_become_replacement_characters() -> None:
    assert render("{{.Entity.s}}", '{"s": "x\\ud800y\\ud83d\\ude00"}') == "x\ufffdy\U0001f600"


def test_duplicate_keys_keep_the_last_value() -> None:
    assert render("{{.Entity.a}}", '{"a": 1, "a": 2}') == "2"


def test_tiny_numbers_underflow_to_zero_without_error() -> None:
    assert render("{{.Entity.a}}", '{"a": 1e-400}') == "0"
