"""Deployment files: Dockerfile, systemd unit, compose and Kubernetes manifests."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from supervisor.config import load

ROOT = Path(__file__).resolve().parents[2]


def stages(text: str) -> list[str]:
    return re.split(r"(?m)^FROM ", text)[1:]


def test_dockerfile_is_multistage_non_root_with_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    build, final = stages(text)
    assert "build-essential" in build and "AS build" in build
    assert "build-essential" not in final and "gcc" not in final
    assert re.search(r"(?m)^USER civic$", final)
    assert re.search(r'(?m)^HEALTHCHECK .*\n\s+CMD \["civic-supervisor", "health"', final)
    assert 'CMD ["civic-supervisor", "-c", "/etc/civic/config.yaml"]' in final
    assert "pip wheel" in build and "--no-index" in final
    for path in re.findall(r"(?m)^COPY (?!--)(\S+)", text):
        assert (ROOT / path).exists(), path


def test_systemd_unit_has_notify_watchdog_and_hardening():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keep systemd's case
    unit.read(ROOT / "deploy/systemd/civic-supervisor.service")
    svc = unit["Service"]
    assert svc["Type"] == "notify" and svc["KillMode"] == "mixed" and svc["Restart"] == "on-failure"
    assert int(svc["WatchdogSec"]) > 0 and svc["NoNewPrivileges"] == "yes"
    assert (
        svc["ProtectSystem"] == "strict" and svc["PrivateTmp"] == "yes" and svc["RuntimeDirectory"]
    )
    assert svc["User"] == "civic"
    assert int(svc["TimeoutStopSec"]) > load(ROOT / "config.yaml", env={}).shutdown_timeout
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    result = subprocess.run(["systemd-analyze", "verify", str(ROOT / "deploy/systemd/civic-supervisor.service")],
                            capture_output=True, text=True)  # fmt: skip
    assert "Unknown key" not in result.stderr and "Invalid" not in result.stderr, result.stderr


def test_compose_and_kubernetes_manifests(tmp_path):
    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())
    env = compose["services"]["civic-supervisor"]["environment"]
    assert {"DATABASE_URL", "S3_ENDPOINT", "SMTP_HOST", "DB_MAX_CONNS"} <= set(env)
    assert {"postgres", "minio", "mailpit", "migrate"} <= set(compose["services"])
    deployment = yaml.safe_load((ROOT / "deploy/kubernetes/deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"]["memory"] == "512Mi"
    assert container["resources"]["limits"]["memory"] == "1Gi"
    configmap = yaml.safe_load((ROOT / "deploy/kubernetes/configmap.yaml").read_text())
    config = tmp_path / "config.yaml"
    config.write_text(configmap["data"]["config.yaml"])
    assert load(config, env={}).metrics.listen == "0.0.0.0:9464"
    secret = yaml.safe_load((ROOT / "deploy/kubernetes/secret.yaml").read_text())
    assert {"DATABASE_URL", "S3_SECRET_ACCESS_KEY", "SMTP_PASSWORD"} <= set(secret["stringData"])
