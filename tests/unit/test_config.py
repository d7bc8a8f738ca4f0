"""Configuration: the example file, env overrides, expansion, and clear errors (exit 78)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from supervisor.config import ConfigError, _flatten, expand, load
from supervisor.config_doc import table
from supervisor.config_keys import KEYS, QUEUE_KEYS
from supervisor.values import parse_duration

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_has_every_key_with_its_default():
    cfg = load(ROOT / "config.yaml", env={})
    defaults = load(None, env={})
    assert cfg.values == defaults.values
    flat: dict = {}
    raw = yaml.safe_load((ROOT / "config.yaml").read_text())
    queues = raw.pop("queues")
    _flatten(raw, "", flat)
    assert set(flat) == {k.path for k in KEYS}
    for name, q in queues.items():
        assert set(q) == {k.path for k in QUEUE_KEYS}, name
        assert cfg.queues[name] == defaults.queues[name]


def test_configuration_doc_documents_every_key_and_env_name():
    doc = (ROOT / "docs" / "configuration.md").read_text()
    begin = "<!-- BEGIN GENERATED: python -m supervisor.config_doc -->\n"
    end = "<!-- END GENERATED -->"
    assert begin in doc and end in doc, "docs/configuration.md lost its generated-table markers"
    generated = doc.split(begin, 1)[1].split(end, 1)[0]
    assert generated == table(), "regenerate docs/configuration.md: python -m supervisor.config_doc"
    for key in KEYS:
        assert f"`{key.path}`" in doc, key.path
        for env in key.env:
            assert env in doc, env
    for key in QUEUE_KEYS:
        assert f"`queues.<name>.{key.path}`" in doc


@pytest.mark.parametrize("text, seconds", [("500ms", 0.5), ("10s", 10), ("5m", 300), ("1h", 3600),
                                           ("7d", 604800), (3, 3.0), ("-1", -1)])  # fmt: skip
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_expansion():
    env = {"A": "x", "EMPTY": ""}
    assert expand("${A}-${B}-${B:-d}-${EMPTY:-e}-$${A}", env) == "x--d-e-${A}"


def test_civic_env_names_override_the_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("database:\n  max_conns: 6\nqueues:\n  thumbnails:\n    max_workers: 2\n")
    cfg = load(path, env={"DB_MAX_CONNS": "3", "THUMBNAIL_MAX_WORKERS": "7", "AWS_REGION": "eu-west-1",
                          "S3_ENDPOINT": "http://minio:9000", "S3_BUCKET": "b"})  # fmt: skip
    assert cfg["database.max_conns"] == 3
    assert cfg.queues["thumbnails"].max_workers == 7
    assert cfg["s3.region"] == "eu-west-1" and cfg.section("s3")["region"] == "eu-west-1"
    assert cfg.section("notifications")["static_asset_base"] == "http://minio:9000/b"


@pytest.mark.parametrize(
    "text, message",
    [
        ("database:\n  max_conns: many\n", "database.max_conns: expected an integer"),
        ("database:\n  max_conns: 1\n", "database.max_conns: must be at least 2"),
        ("database:\n  maxconns: 4\n", "database.maxconns: unknown key"),
        ("shutdown_timeout: soon\n", "shutdown_timeout: expected a duration"),
        ("queues:\n  thumbnail:\n    enabled: true\n", "queues.thumbnail: unknown child"),
        ("queues:\n  bench:\n    enabled: maybe\n", "queues.bench.enabled: expected true or false"),
        ("database:\n  schema: 'a-b'\n", "database.schema"),
        ("log:\n  format: xml\n", "log.format"),
        ("- a\n", "top level must be a mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_invalid_config_names_the_key(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load(path, env={})
