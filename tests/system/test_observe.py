"""Metrics, /healthz, /readyz, `health` and `status`, scraped from a real running supervisor."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import start
from tests.support.wait import wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supervisor.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_metrics_health_and_readiness(db_url, db, tmp_path):
    port = free_port()
    sup = start(
        db_url, {"metrics": {"listen": f"127.0.0.1:{port}"}, "restart": {"backoff_initial": "3s"}}
    )
    config = tmp_path / "config.yaml"
    config.write_text(sup.config_path.read_text())
    base = f"http://127.0.0.1:{port}"
    try:
        insert_jobs(db, "noop", 20)
        (bad,) = insert_jobs(db, "fail", max_attempts=1)
        wait_for(
            lambda: states(db) == {"completed": 20, "discarded": 1},
            what='job states {"completed": 20, "discarded": 1}',
            show=lambda: states(db),
        )
        assert get(base + "/healthz")[0] == 200
        wait_for(
            lambda: get(base + "/readyz")[0] == 200,
            what="/readyz 200",
            show=lambda: get(base + "/readyz"),
            timeout=10,
        )
        wait_for(
            lambda: "civic_supervisor_queue_jobs" in get(base + "/metrics")[1],
            what="civic_supervisor_queue_jobs in /metrics",
            show=lambda: get(base + "/metrics")[0],
            timeout=10,
        )
        text = get(base + "/metrics")[1]
        assert (
            'civic_supervisor_jobs_total{kind="noop",outcome="completed",queue="civic_bench"} 20.0'
            in text
        )
        assert (
            'civic_supervisor_jobs_total{kind="fail",outcome="error",queue="civic_bench"} 1.0'
            in text
        )
        assert 'civic_supervisor_child_up{child="bench"} 1.0' in text
        assert "civic_supervisor_job_duration_seconds_bucket" in text
        assert (
            "civic_supervisor_leader 1.0" in text
            and "civic_supervisor_listener_connected 1.0" in text
        )
        assert 'civic_supervisor_db_pool_connections{state="size"}' in text
        assert job(db, bad)["state"] == "discarded"
        assert cli("health", "-c", str(config)).returncode == 0
        sup.children()["bench"].kill()  # not ready while the child is down, and /readyz says why
        wait_for(
            lambda: get(base + "/readyz")[0] == 503,
            what="/readyz 503",
            show=lambda: get(base + "/readyz"),
        )
        assert (
            "child bench backoff: worker process exited with signal 9" in get(base + "/readyz")[1]
        )
        assert get(base + "/healthz")[0] == 200
        wait_for(
            lambda: get(base + "/readyz")[0] == 200,
            what="/readyz 200",
            show=lambda: get(base + "/readyz"),
            timeout=10,
        )
    finally:
        sup.stop()
    assert cli("health", "-c", str(config)).returncode == 1


def test_status_command_reports_queues_clients_and_connections(db_url, db):
    sup = start(db_url, {"client_id": "civic-status-test"})
    try:
        insert_jobs(db, "sleep", 2, args='{"ms": 60000}')
        insert_jobs(db, "noop", 3, queue="elsewhere")
        wait_for(
            lambda: states(db).get("running") == 2, what="2 jobs running", show=lambda: states(db)
        )
        result = cli("status", "-c", str(sup.config_path), "--json")
        assert result.returncode == 0, result.stdout
        data = json.loads(result.stdout)
        queues = {q["queue"]: q for q in data["queues"]}
        assert queues["civic_bench"]["running"] == 2 and queues["elsewhere"]["available"] == 3
        assert queues["elsewhere"]["oldest_available_s"] >= 0
        assert data["leader"] == "civic-status-test"
        (client,) = [c for c in data["clients"] if c["client"] == "civic-status-test"]
        assert client["running"] == 2 and client["lock_held"] and client["leader"]
        apps = {c["application_name"]: c["count"] for c in data["connections"]}
        assert 2 <= apps.get("civic-supervisor", 0) + apps.get("civic-supervisor listener", 0) <= 4
        text = cli("status", "-c", str(sup.config_path)).stdout
        assert "civic_bench" in text and "leader: civic-status-test" in text
    finally:
        sup.stop()


def test_status_names_the_crash_looping_child_and_why(db_url, db, tmp_path):
    port = free_port()
    cfg = {"metrics": {"listen": f"127.0.0.1:{port}"},
           "restart": {"backoff_initial": "100ms", "backoff_max": "1s", "max_restarts": 1000},
           "notifications": {"timezone": "Mars/Olympus_Mons"}}  # fmt: skip
    sup = start(db_url, cfg, only="bench,notifications", ready=False)
    try:
        (jid,) = insert_jobs(db, "noop")
        wait_for(
            lambda: job(db, jid)["state"] == "completed",
            what=f"job {jid} completed",
            show=lambda: job(db, jid)["state"],
        )  # the healthy child works on

        def looping() -> dict | None:
            data = json.loads(cli("status", "-c", str(sup.config_path), "--json").stdout)
            kids = {c["name"]: c for c in data["instance"]["children"]}
            return data if kids["notifications"]["restarts"] >= 2 else None

        data = wait_for(
            looping,
            what="status naming the crash-looping notifications child",
            show=lambda: cli("status", "-c", str(sup.config_path), "--json").stdout[-2000:],
            timeout=30,
        )
        inst = data["instance"]
        assert inst["reachable"] and not inst["ready"] and "notifications" in inst["detail"]
        kids = {c["name"]: c for c in inst["children"]}
        assert kids["bench"]["state"] == "running" and kids["bench"]["restarts"] == 0
        assert "Mars/Olympus_Mons" in kids["notifications"]["last_exit"]  # why, from the child
        text = cli("status", "-c", str(sup.config_path)).stdout
        assert "NOT READY" in text and "Mars/Olympus_Mons" in text
        config = tmp_path / "config.yaml"
        config.write_text(sup.config_path.read_text())
    finally:
        sup.stop()
    gone = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert gone["instance"]["reachable"] is False  # stopped: said so, not an error
