"""The two supervisor runs of the bench: the bench child under load, three children idle."""

from __future__ import annotations

import argparse
import time
from types import ModuleType
from typing import Any

from supervisor.benchmark.progress import say
from supervisor.benchmark.resources import ConnectionSampler, process_memory, ready_children
from supervisor.benchmark.target import Target
from supervisor.notify_trigger import install, remove
from supervisor.runner import SupervisorProcess

IDLE_CHILDREN = 3
IDLE_S3 = {"access_key_id": "bench", "secret_access_key": "bench", "endpoint": "http://127.0.0.1:9"}
"""Static credentials so the S3 clients build; idle children never use them."""
SETTLE = 2.0
"""Seconds the idle children get after start before their memory is read."""


def bench_child(
    tgt: Target, args: argparse.Namespace, results: dict[str, Any], sampler: ConnectionSampler,
    burndown: ModuleType, latency: ModuleType,
) -> None:  # fmt: skip
    cfg = tgt.supervisor_config() | {
        "fetch_poll_interval": f"{results['settings']['fetch_poll_interval_s']:g}s",
        "queues": {"bench": {"enabled": True, "max_workers": args.max_workers}},
    }
    with SupervisorProcess(cfg, args=["--only", "bench"]) as sup:
        results["lifecycle"]["bench_ready_s"] = sup.wait_ready()
        burndown.warm_up(tgt)
        sampler.phase()
        say(f"supervisor burn-down: {args.jobs:,} jobs through the bench child")
        results["burndown"]["supervisor"] = burndown.run(tgt, args.jobs, args.timeout)
        results["connections"]["burndown_peak"] = sampler.phase()
        results["memory"]["after_burndown"] = process_memory(sup.pid)
        if args.latency_jobs:
            _latency(tgt, args, results, latency)
            results["connections"]["latency_peak"] = sampler.phase()
        _stop(sup, results["lifecycle"], "bench_")


def _latency(
    tgt: Target, args: argparse.Namespace, results: dict[str, Any], latency: ModuleType
) -> None:
    n, rate = args.latency_jobs, args.rate
    for mode in ("notify", "plain"):
        say(f"pickup latency, {mode}: {n:,} jobs at {rate:g}/s")
        results["latency"][mode] = latency.run(tgt, mode, n, rate, timeout=60)
    with tgt.connect("civic-bench-setup") as conn:
        install(conn, tgt.schema)
    try:
        say(f"pickup latency, plain SQL with the notify trigger: {n:,} jobs at {rate:g}/s")
        results["latency"]["trigger"] = latency.run(tgt, "trigger", n, rate, timeout=60)
    finally:
        with tgt.connect("civic-bench-setup") as conn:
            remove(conn, tgt.schema)
    results["trigger_overhead"] = latency.trigger_overhead(tgt)


def idle_children(tgt: Target, results: dict[str, Any], sampler: ConnectionSampler) -> None:
    """presign, thumbnails and notifications with production defaults, no jobs."""
    say("three production children, idle: start to ready, memory, SIGTERM to exit")
    cfg = tgt.supervisor_config() | {"s3": IDLE_S3}
    with SupervisorProcess(cfg) as sup:
        deadline = time.monotonic() + 30
        while ready_children(sup.pid) < IDLE_CHILDREN:
            if not sup.alive:
                raise RuntimeError(f"the supervisor exited during start:\n{sup.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"children did not become ready:\n{sup.log_tail()}")
            time.sleep(0.005)
        results["lifecycle"]["children_loaded_s"] = time.monotonic() - sup.started
        results["lifecycle"]["start_to_ready_s"] = sup.wait_ready()
        time.sleep(SETTLE)
        results["memory"]["idle"] = process_memory(sup.pid)
        results["connections"]["idle_peak"] = sampler.phase()
        _stop(sup, results["lifecycle"], "")


def _stop(sup: SupervisorProcess, lifecycle: dict[str, Any], prefix: str) -> None:
    """SIGTERM, timed; a non-zero exit fails the run with the supervisor's last log lines."""
    code = sup.stop()
    lifecycle[prefix + "exit_code"], lifecycle[prefix + "sigterm_exit_s"] = code, sup.stop_seconds
    if code != 0:
        raise RuntimeError(f"the supervisor exited with {code}:\n{sup.log_tail()}")
