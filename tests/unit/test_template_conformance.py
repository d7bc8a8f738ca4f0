"""Golden vectors from Go's text/template and html/template (tests/conformance/go_templates.json).

Every case is rendered (or only parsed, for ``validate`` cases) and compared byte for byte with
what the Go worker produced; error cases must fail in the same phase (parse, exec or entity).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workers.notifications.render import (
    EntityDataError,
    TemplateExecError,
    TemplateParseError,
    render_part,
    validate_part,
)

VECTORS = Path(__file__).resolve().parents[1] / "conformance" / "go_templates.json"


def _load() -> dict[str, Any]:
    with VECTORS.open(encoding="utf-8") as fh:
        return json.load(fh)


SUITE = _load()
CASES = SUITE["cases"]
PHASES = {TemplateParseError: "parse", TemplateExecError: "exec", EntityDataError: "entity"}


def _run(case: dict[str, Any]) -> dict[str, Any]:
    html = case["engine"] == "html"
    try:
        if case["mode"] == "validate":
            validate_part(case["template"], html=html)
            return {"valid": True}
        output = render_part(
            case["template"],
            json.dumps(case["entity"]),
            html=html,
            metadata=SUITE["metadata"],
            timezone=SUITE["timezone"],
        )
        return {"output": output}
    except (TemplateParseError, TemplateExecError, EntityDataError) as err:
        return {"error": True, "phase": PHASES[type(err)], "message": str(err)}


def test_suite_is_complete() -> None:
    """Every vector is here: a shortened file must fail, as a missing one fails collection."""
    assert len(CASES) == 822


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_go(case: dict[str, Any]) -> None:
    got = _run(case)
    expected = case["expect"]
    if "output" in expected:
        assert "output" in got, f"expected output, got {got}"
        assert got["output"] == expected["output"]
    elif expected.get("valid"):
        assert got == {"valid": True}
    else:
        assert got.get("phase") == expected["phase"], f"expected {expected['phase']} error: {got}"
