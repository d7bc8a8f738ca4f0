"""Orphan reaping as PID 1: find zombies of a parent, leave the supervisor's own children alone."""

from __future__ import annotations

import os
import subprocess
import time

from supervisor.pid1 import reap_orphans, zombie_children


def test_finds_zombie_children_and_reaps_only_as_pid1():
    keep = subprocess.Popen(["true"])
    other = subprocess.Popen(["true"])
    time.sleep(0.3)
    zombies = zombie_children(os.getpid())
    assert keep.pid in zombies and other.pid in zombies
    assert reap_orphans([keep.pid]) == 0  # not PID 1 here: never touches anything
    keep.wait()
    other.wait()
    assert keep.pid not in zombie_children(os.getpid())
