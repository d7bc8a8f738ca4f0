"""A worker from another package runs exactly like a built-in one.

tests/example_worker is a package as a third party would write it. It is installed here with
pip into a directory of its own (its entry point then registers it). The supervisor runs it as
a subprocess: its own child, only its own statements, settings and environment, its periodic
job enqueued once per tick by the leader, and the same restart lifecycle.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.support.river import insert_jobs, job
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for

PACKAGE = Path(__file__).resolve().parents[1] / "example_worker"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example package pip-installed into a directory of its own: a PYTHONPATH entry."""
    target = tmp_path_factory.mktemp("example-worker")
    build = tmp_path_factory.mktemp("example-build")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(PACKAGE)],
        check=True, cwd=build, env={**os.environ, "PIP_NO_CACHE_DIR": "1"},
    )  # fmt: skip
    assert (target / "civic_example" / "spec.py").exists()
    yield str(target)


def _pythonpath(*entries: str) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([*entries, os.environ.get("PYTHONPATH", "")])}


def _greetings(db: psycopg.Connection[Any]) -> dict[int, str]:
    rows = db.execute("SELECT job_id, text FROM metadata.civic_example_greetings").fetchall()
    return {r[0]: r[1] for r in rows}


@pytest.fixture
def greetings_table(db: psycopg.Connection[Any]) -> None:
    db.execute(
        "CREATE TABLE metadata.civic_example_greetings (job_id bigint PRIMARY KEY, text text)"
    )


def test_an_installed_worker_package_runs_like_a_builtin(
    db_url: str, db: psycopg.Connection[Any], installed: str, greetings_table: None
) -> None:
    config = {
        "queues": {"greeter": {"enabled": True}},
        "greeter": {"greeting": "hi", "style": "plain"},
        "s3": {"secret_access_key": "S3-SECRET-NOT-FOR-GREETER"},
        "maintenance": {"elect_interval": "200ms", "periodic_interval": "200ms"},
    }
    env = {**_pythonpath(installed), "GREETER_API_KEY": "greeter-secret", "GREETER_REGION": "eu",
           "AWS_PROFILE": "not-for-greeter"}  # fmt: skip
    sup = start(db_url, config, only="greeter", env=env)
    try:
        ok, bad, seen = (
            insert_jobs(db, "greet", args='{"who": "ada"}', queue="greetings")[0],
            insert_jobs(db, "greet", args="{}", queue="greetings")[0],
            insert_jobs(db, "inspect", queue="greetings")[0],
        )
        wait_for(lambda: job(db, ok)["state"] == "completed", what=f"greet job {ok} completed",
                 show=lambda: (job(db, ok)["state"], job(db, ok)["errors"]))  # fmt: skip
        assert _greetings(db)[ok] == "hi, ada"
        wait_for(lambda: job(db, bad)["state"] == "cancelled", what=f"job {bad} cancelled")
        assert "args.who must be a non-empty string" in job(db, bad)["errors"][-1]["error"]
        wait_for(lambda: seen in _greetings(db), what=f"inspect job {seen} recorded")
        view = json.loads(_greetings(db)[seen])
        assert view["sections"] == ["greeter"]  # not s3, not email: only its own section
        assert view["api_key"] == "greeter-secret"
        assert "GREETER_REGION" in view["env"]  # the extra environment its spec names
        assert not {"AWS_PROFILE", "DATABASE_URL", "GREETER_API_KEY"} & set(view["env"])
        assert "S3-SECRET-NOT-FOR-GREETER" not in sup.log and "greeter-secret" not in sup.log

        def periodic() -> list[tuple[int, str]]:
            return db.execute(
                "SELECT (metadata->>'periodic_tick')::bigint, state::text FROM metadata.river_job"
                " WHERE kind = 'greet' AND args->>'who' = 'periodic' ORDER BY 1"
            ).fetchall()

        wait_for(lambda: len([r for r in periodic() if r[1] == "completed"]) >= 2,
                 timeout=30, what="two ticks of the periodic greet completed", show=periodic)  # fmt: skip
        ticks = [r[0] for r in periodic()]
        assert len(ticks) == len(set(ticks)), f"a tick enqueued twice: {ticks}"
        assert all(t % 2 == 0 for t in ticks)  # multiples of every=2s since the epoch

        pid = sup.children()["greeter"].pid
        os.kill(pid, signal.SIGKILL)  # the same lifecycle as a built-in child
        wait_for(lambda: (c := sup.children().get("greeter")) is not None and c.pid != pid,
                 what="greeter restarted")  # fmt: skip
        again = insert_jobs(db, "greet", args='{"who": "bob"}', queue="greetings")[0]
        wait_for(lambda: job(db, again)["state"] == "completed", what=f"job {again} completed")
    finally:
        assert sup.stop() == 0


def test_a_worker_whose_handlers_miss_a_declared_kind_does_not_start(
    db_url: str, tmp_path: Path
) -> None:
    pkg = tmp_path / "half_worker"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "from workers.spec import WorkerSpec\n"
        "HANDLERS = {'one': lambda job, ctx: None}\n"
        "SPEC = WorkerSpec(name='half', queue='half', kinds=('one', 'two'), max_workers=1,\n"
        "                  handlers='half_worker:HANDLERS')\n"
    )
    config = {"queues": {"half": {"worker": "half_worker:SPEC"}},
              "restart": {"max_restarts": 1, "window": "1m"}}  # fmt: skip
    sup = start(db_url, config, only="half", env=_pythonpath(str(tmp_path)), ready=False)
    try:
        assert sup.proc.wait(30) == 1  # gave up on the child: the service manager must act
        assert "does not serve the kinds its spec declares: no handler for two" in sup.log
    finally:
        sup.stop()
