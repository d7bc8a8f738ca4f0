"""Configuration: declared once, generated into config.yaml and docs, loaded with env
overrides and expansion, and every mistake a clear error naming the key (exit 78)."""

from __future__ import annotations

from pathlib import Path

import pytest

from supervisor.config import ConfigError, expand, load, reload, worker_sections
from supervisor.config_doc import BEGIN, END, config_yaml, table
from supervisor.config_values import parse_duration
from workers.spec import Section, Setting, WorkerSpec

ROOT = Path(__file__).resolve().parents[2]


def test_config_yaml_is_generated_from_the_declarations_and_loads_as_the_defaults() -> None:
    assert (ROOT / "config.yaml").read_text() == config_yaml(), (
        "regenerate config.yaml: python -m supervisor.config_doc"
    )
    cfg, defaults = load(ROOT / "config.yaml", env={}), load(None, env={})
    cfg.started_at = defaults.started_at
    cfg.source = defaults.source
    assert cfg == defaults


def test_configuration_doc_documents_every_key_and_env_name() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert BEGIN in doc and END in doc, "docs/configuration.md lost its generated-table markers"
    generated = doc.split(BEGIN + "\n", 1)[1].split(END, 1)[0]
    assert generated == table(), "regenerate docs/configuration.md: python -m supervisor.config_doc"
    cfg = load(None, env={})
    for name in ("client_id", "database.max_conns", "s3.bucket", "email.smtp_host",
                 "queues.<name>.max_workers", "queues.<name>.worker"):  # fmt: skip
        assert f"`{name}`" in generated, name
    for spec in {q.spec.name: q.spec for q in cfg.queues.values()}.values():
        for section in spec.sections:
            for s in section.settings:
                assert f"`{section.name}.{s.key}`" in generated
                assert all(f"`{e}`" in generated for e in s.env)
        assert all(env in generated for env in spec.queue_env.values())


@pytest.mark.parametrize("text, seconds", [("500ms", 0.5), ("10s", 10), ("5m", 300), ("1h", 3600),
                                           ("7d", 604800), (3, 3.0), ("-1", -1)])  # fmt: skip
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_expansion() -> None:
    env = {"A": "x", "EMPTY": ""}
    assert expand("${A}-${B}-${B:-d}-${EMPTY:-e}-$${A}", env) == "x--d-e-${A}"


def test_civic_env_names_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("database:\n  max_conns: 6\nqueues:\n  thumbnails:\n    max_workers: 2\n")
    cfg = load(path, env={"DB_MAX_CONNS": "3", "THUMBNAIL_MAX_WORKERS": "7", "AWS_REGION": "eu-west-1",
                          "S3_ENDPOINT": "http://minio:9000", "S3_BUCKET": "b"})  # fmt: skip
    assert cfg.database.max_conns == 3
    assert cfg.queues["thumbnails"].max_workers == 7
    assert cfg.workers["s3"]["region"] == "eu-west-1"


def test_a_child_receives_only_its_own_sections_and_what_its_spec_derives() -> None:
    cfg = load(None, env={"S3_ENDPOINT": "http://minio:9000", "S3_BUCKET": "b",
                          "S3_SECRET_ACCESS_KEY": "S3-KEY-9f2", "EMAIL_TRANSPORT": "ses"})  # fmt: skip
    notifications = cfg.queues["notifications"].spec
    sent = cfg.child_settings(notifications)
    assert sorted(sent) == ["email", "notifications", "sms"]
    assert sent["notifications"]["static_asset_base"] == "http://minio:9000/b"
    assert "S3-KEY-9f2" not in repr(sent)  # the S3 key it derives from stays in the parent
    assert "AWS_PROFILE" in cfg.child_env_names(notifications)  # SES uses boto3's chain
    smtp = load(None, env={})
    assert smtp.child_env_names(notifications) == ()
    assert sorted(cfg.child_settings(cfg.queues["presign"].spec)) == ["s3"]


def test_two_workers_may_not_declare_different_sections_of_one_name() -> None:
    a = Section("shared", "", (Setting("x", "int", 1),))
    b = Section("shared", "", (Setting("x", "int", 2),))
    spec = WorkerSpec(name="a", queue="a", kinds=("k",), max_workers=1, handlers="m:h",
                      sections=(a,))  # fmt: skip
    with pytest.raises(ConfigError, match="differs from another worker's section"):
        worker_sections({"a": spec, "b": WorkerSpec(**{**spec.__dict__, "name": "b",
                                                       "sections": (b,)})})  # fmt: skip
    parentish = Section("database", "", ())
    with pytest.raises(ConfigError, match="is the parent's"):
        worker_sections({"a": WorkerSpec(**{**spec.__dict__, "sections": (parentish,)})})


def test_reload_keeps_the_parents_sessions_and_identity(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("database:\n  max_conns: 4\nshutdown_timeout: 10s\n")
    cfg = load(path, env={})
    path.write_text("database:\n  max_conns: 6\nshutdown_timeout: 3s\nclient_id: other\n")
    kept = reload(cfg)
    assert sorted(kept) == ["client_id", "database"]
    assert cfg.database.max_conns == 4 and cfg.shutdown_timeout == 3.0
    path.write_text("shutdown_timeout: never\n")
    with pytest.raises(ConfigError, match="shutdown_timeout"):
        reload(cfg)
    assert cfg.shutdown_timeout == 3.0


@pytest.mark.parametrize(
    "text, message",
    [
        ("database:\n  max_conns: many\n", "database.max_conns: expected an integer"),
        ("database:\n  max_conns: 1\n", "database.max_conns: must be at least 2"),
        ("database:\n  maxconns: 4\n", "database.maxconns: unknown key"),
        ("database: 4\n", "database: must be a mapping"),
        ("shutdown_timeout: soon\n", "shutdown_timeout: expected a duration"),
        ("shutdowntimeout: 1s\n", "shutdowntimeout: unknown key"),
        ("queues:\n  thumbnail:\n    enabled: true\n", "queues.thumbnail: unknown child"),
        ("queues:\n  bench:\n    enabled: maybe\n", "queues.bench.enabled: expected true or false"),
        ("queues:\n  bench:\n    threads: 3\n", "queues.bench.threads: unknown key"),
        ("queues:\n  x:\n    worker: nosuchmodule:SPEC\n", "cannot load nosuchmodule:SPEC"),
        ("queues:\n  x:\n    worker: json\n", "not of the form package.module:attribute"),
        ("queues:\n  x:\n    worker: json:dumps\n", "not a WorkerSpec"),
        ("email:\n  transport: pigeon\n", "email.transport: must be one of smtp, ses"),
        ("s3:\n  presign_expiry_seconds: soon\n", "s3.presign_expiry_seconds: expected an integer"),
        ("database:\n  schema: 'a-b'\n", "database.schema"),
        ("log:\n  format: xml\n", "log.format: must be one of text, json"),
        ("maintenance:\n  rescue_after: 30s\n", "rescue_after: 30s must be longer than queues"),
        ("- a\n", "top level must be a mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_invalid_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load(path, env={})
