"""`child_user`: started as root, the supervisor runs its children as that user, and refuses
to start (exit 78) when that user cannot run the interpreter.

Whether an unprivileged user can run this test run's Python depends on the machine (pyenv
under a 0700 /root cannot), so the tests build one it can: the base installation and the
project's site-packages and source, staged once per session in a 0755 directory.
"""

from __future__ import annotations

import importlib
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.river import insert_jobs, job, states
from tests.support.supervisor_harness import Running, start
from tests.support.wait import wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")

USER = "nobody"
PACKAGES = ("supervisor", "proxy", "workers")
"""The project's packages, staged into the site-packages as an installed copy (an editable
install maps them into the checkout, which the user may not be able to read)."""
NOT_NEEDED = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "site-packages"}
VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"


def _link(src: str, dst: str) -> None:
    """Hard links make staging take a fraction of a second (the files are world-readable
    already; only the directories on the way are not); a copy across file systems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _stdlib_only(directory: str, names: list[str]) -> list[str]:
    if Path(directory) != Path(sys.base_prefix, "lib", VERSION):
        return []
    return [n for n in names if n in NOT_NEEDED or n.startswith("config-")]


def _relocate_runpath(binary: Path, base: Path) -> None:
    """A shared-library build finds libpython through a RUNPATH into the original
    installation; the user cannot enter it, and the loader would fall back to whatever
    libpython the system has. Rewrite it in place to `$ORIGIN/../lib` (never longer, so
    the string table keeps its size)."""
    old = f"{base}/lib".encode() + b"\0"
    new = b"$ORIGIN/../lib\0"
    data = binary.read_bytes()
    if data.count(old) == 1 and len(new) <= len(old):
        binary.write_bytes(data.replace(old, new.ljust(len(old), b"\0")))


def stage_python(root: Path) -> Path:
    """This interpreter, its standard library, the project's site-packages and source
    under `root`; returns the interpreter."""
    base = Path(sys.base_prefix)
    (root / "bin").mkdir(mode=0o755)
    (root / "lib").mkdir(mode=0o755)
    python = root / "bin" / VERSION
    shutil.copy2(base / "bin" / VERSION, python)  # a copy: it is patched
    _relocate_runpath(python, base)
    for lib in (base / "lib").glob("libpython*"):
        if lib.is_symlink():
            (root / "lib" / lib.name).symlink_to(os.readlink(lib))
        else:
            _link(str(lib), str(root / "lib" / lib.name))
    stdlib = root / "lib" / VERSION
    shutil.copytree(base / "lib" / VERSION, stdlib, ignore=_stdlib_only, copy_function=_link)
    site = stdlib / "site-packages"
    shutil.copytree(sysconfig.get_path("purelib"), site, copy_function=_link)
    for hook in site.glob("__editable__*"):  # would map the packages into the checkout
        hook.unlink()
    for name in PACKAGES:
        source = Path(str(importlib.import_module(name).__file__)).parent
        shutil.copytree(source, site / name, copy_function=_link)
    return python


def _as_user(*argv: str) -> subprocess.CompletedProcess[str]:
    entry = pwd.getpwnam(USER)
    return subprocess.run(
        argv, user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], cwd="/", env={},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture(scope="session")
def user_python() -> Iterator[Path]:
    """An interpreter `USER` can run, with the project importable (about a second to stage:
    see `_link`)."""
    root = Path(tempfile.mkdtemp(prefix="civic-user-python-"))
    try:
        root.chmod(0o755)
        python = stage_python(root)
        probe = _as_user(str(python), "-c", "import sys, workers.runtime; print(sys.version)")
        assert probe.returncode == 0, probe.stderr
        assert probe.stdout.strip() == sys.version, (
            "the staged interpreter loaded another libpython"
        )
        yield python
    finally:
        shutil.rmtree(root, ignore_errors=True)


def ids(pid: int) -> dict[str, list[int]]:
    """Uid, Gid and Groups of a process, from /proc/<pid>/status."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid", "Groups"):
            out[key] = [int(v) for v in value.split()]
    return out


def start_as(python: Path, db_url: str, *, ready: bool = True) -> Running:
    """The supervisor with `child_user` set, run by `python` (the harness runs
    sys.executable). No PYTHONPATH: children inherit it, and the project must come from
    the staging, as the tests make it readable or not."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(sys, "executable", str(python))
        return start(db_url, {"child_user": USER}, ready=ready, env={"PYTHONPATH": ""})


def refused(python: Path, db_url: str) -> tuple[int, str]:
    """Exit code and log of a supervisor expected to stop at start."""
    sup = start_as(python, db_url, ready=False)
    try:
        code = sup.proc.wait(30)
    finally:
        sup.stop()
    return code, sup.log


def test_children_run_as_child_user_and_process_jobs(
    db_url: str, db: psycopg.Connection, user_python: Path
) -> None:
    entry = pwd.getpwnam(USER)
    sup = start_as(user_python, db_url)
    try:
        assert Path(f"/proc/{sup.proc.pid}/exe").resolve() == user_python
        assert ids(sup.proc.pid)["Uid"] == [0, 0, 0, 0]
        child = sup.children()["bench"]
        assert ids(child.pid) == {
            "Uid": [entry.pw_uid] * 4, "Gid": [entry.pw_gid] * 4, "Groups": []
        }  # fmt: skip
        jobs = insert_jobs(db, "noop", 5)
        wait_for(
            lambda: all(job(db, j)["state"] == "completed" for j in jobs),
            what="every job of jobs completed",
            show=lambda: states(db),
            timeout=30,
        )
    finally:
        sup.stop()


def test_a_child_user_that_cannot_run_the_interpreter_stops_the_start(
    db_url: str, user_python: Path
) -> None:
    """The supervisor's interpreter behind a 0700 directory, as pyenv's under /root: exit
    78 (a configuration error), naming the directory and the user, no traceback."""
    hidden = Path(tempfile.mkdtemp(prefix="civic-hidden-"))  # 0700, owned by root
    try:
        python = hidden / "python"
        python.symlink_to(user_python)
        assert stat.S_IMODE(hidden.stat().st_mode) == 0o700
        code, log = refused(python, db_url)
    finally:
        shutil.rmtree(hidden)
    assert code == os.EX_CONFIG, log
    assert f"child_user {USER!r} cannot run {python}: " in log
    assert f"that user cannot enter {hidden} (mode 0700, owner root)" in log
    assert "Traceback" not in log


def test_a_child_user_that_cannot_read_the_source_stops_the_start(
    db_url: str, user_python: Path
) -> None:
    """The interpreter is reachable but the child runtime is not: the check imports it, as
    the child will, rather than only start the interpreter."""
    workers = user_python.parent.parent / "lib" / VERSION / "site-packages" / "workers"
    workers.chmod(0o700)  # a directory of the staging: its files are links, it is not
    try:
        code, log = refused(user_python, db_url)
    finally:
        workers.chmod(0o755)
    assert code == os.EX_CONFIG, log
    assert f"child_user {USER!r} cannot import workers.runtime with {user_python}: " in log
    assert "ModuleNotFoundError: No module named 'workers.runtime'" in log
    assert "Traceback" not in log
