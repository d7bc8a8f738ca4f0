"""A job's cancel flag: an Event's behaviour, with the Event made only when someone waits."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from workers.job import CancelFlag


def test_unset_flag_times_out_and_set_flag_returns_at_once():
    flag = CancelFlag()
    assert not flag.is_set() and flag.wait(0.01) is False
    flag.set()
    started = time.monotonic()
    assert flag.is_set() and flag.wait(10) is True
    assert time.monotonic() - started < 1


def test_set_from_another_thread_wakes_every_waiter():
    flag = CancelFlag()
    with ThreadPoolExecutor(8) as pool:
        waits = [pool.submit(flag.wait, 30) for _ in range(8)]
        time.sleep(0.05)
        started = time.monotonic()
        threading.Thread(target=flag.set).start()
        assert [w.result() for w in waits] == [True] * 8
    assert time.monotonic() - started < 5


def test_set_racing_the_first_wait_is_never_missed():
    for _ in range(2000):
        flag = CancelFlag()
        setter = threading.Thread(target=flag.set)
        setter.start()
        assert flag.wait(5) is True
        setter.join()
