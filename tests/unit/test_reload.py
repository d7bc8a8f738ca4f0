"""SIGHUP: the leader's periodic jobs follow the new file at once; the set of children, fixed
at start, does not, and the log says so."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import cast

import pytest
import yaml

from supervisor.config import Config, load
from supervisor.database import Database
from supervisor.maintenance import Maintenance
from supervisor.supervisor import Supervisor
from workers.spec import PeriodicJob

HOURLY = PeriodicJob("noop", every=3600.0)


def with_periodic_bench(cfg: Config, enabled: bool) -> None:
    """What a reload leaves in `cfg` (it is edited in place) for a bench child with a
    periodic job, enabled or not."""
    bench = cfg.queues["bench"]
    spec = dataclasses.replace(bench.spec, periodic=(HOURLY,))
    cfg.queues["bench"] = dataclasses.replace(bench, spec=spec, enabled=enabled)


def test_a_reload_rebuilds_the_periodic_jobs_and_restarts_running_services() -> None:
    cfg = load(None, env={"DATABASE_URL": "postgresql://unused/db"})
    with_periodic_bench(cfg, enabled=False)

    async def main() -> None:
        m = Maintenance(cast(Database, object()), cfg)  # no pass runs: nothing is awaited
        assert m.periodic.jobs == []
        m.start()
        before = list(m.tasks)
        with_periodic_bench(cfg, enabled=True)
        m.reload()
        assert [(q, j.kind) for q, j in m.periodic.jobs] == [("civic_bench", "noop")]
        assert len(m.tasks) == len(before) + 1  # the periodic service joined the others
        assert all(t.cancelling() for t in before)
        with_periodic_bench(cfg, enabled=False)
        m.reload()
        assert m.periodic.jobs == [] and len(m.tasks) == len(before)
        m.stop()

    asyncio.run(main())


def test_a_follower_reloads_without_starting_the_leaders_services() -> None:
    cfg = load(None, env={"DATABASE_URL": "postgresql://unused/db"})
    with_periodic_bench(cfg, enabled=True)

    async def main() -> None:
        m = Maintenance(cast(Database, object()), cfg)
        m.reload()
        assert len(m.periodic.jobs) == 1 and m.tasks == []

    asyncio.run(main())


def test_a_queue_enabled_or_disabled_by_a_reload_is_reported_as_needing_a_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "config.yaml"

    def write(*enabled: str) -> None:
        queues = {n: {"enabled": n in enabled} for n in ("bench", "notifications", "presign")}
        path.write_text(yaml.safe_dump({"database": {"url": "postgresql://unused/db"},
                                        "queues": {**queues, "thumbnails": {"enabled": False}}}))  # fmt: skip

    write("bench")
    sup = Supervisor(load(str(path), env={}))
    write("notifications")
    with caplog.at_level(logging.WARNING, "civic.supervisor"):
        sup._reload()
    assert [c.name for c in sup.children] == ["bench"]
    assert (
        "changed queues.bench.enabled, queues.notifications.enabled: takes effect only after "
        "a full restart" in caplog.text
    )
