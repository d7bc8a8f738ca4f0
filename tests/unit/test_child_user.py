"""How the `child_user` check names what stops the user: pure parts, no user switch."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from supervisor.child_user import check_user, last_error_line, permits, unreachable

OTHER = 54321  # a uid and gid that own nothing here
ME = pwd.getpwuid(os.getuid()).pw_name

TRACEBACK = """\
Traceback (most recent call last):
  File "<string>", line 1, in <module>
  File "/srv/app/workers/runtime.py", line 3, in <module>
    import setproctitle
PermissionError: [Errno 13] Permission denied: '/srv/venv/lib/python3.11/site-packages/setproctitle'
"""
FATAL = """\
Python path configuration:
  PYTHONHOME = (not set)
  sys.path = [
    '/opt/python/lib/python3.11',
  ]
Fatal Python error: init_fs_encoding: failed to get the Python codec of the filesystem encoding
Python runtime state: core initialized
ModuleNotFoundError: No module named 'encodings'

Current thread 0x00007faae8071b80 (most recent call first):
  <no Python frame>
"""
LOADER = (
    "/opt/python/bin/python3.11: error while loading shared libraries: libpython3.11.so.1.0: "
    "cannot open shared object file: No such file or directory\n"
)


def test_the_error_line_is_the_exception_that_ends_a_traceback() -> None:
    assert last_error_line(TRACEBACK) == (
        "PermissionError: [Errno 13] Permission denied: "
        "'/srv/venv/lib/python3.11/site-packages/setproctitle'"
    )


def test_a_fatal_start_is_summarized_by_its_error_not_its_thread_dump() -> None:
    assert last_error_line(FATAL) == "ModuleNotFoundError: No module named 'encodings'"


def test_without_an_error_line_the_last_line_stands() -> None:
    assert last_error_line(LOADER) == LOADER.strip()
    assert last_error_line("\n\n") == "no error output"


def test_owner_group_and_other_bits_each_apply_to_their_own() -> None:
    assert permits(0o700, 1, 1, 1, 2, 1)
    assert not permits(0o700, 1, 1, 2, 1, 1)  # group: no bits
    assert permits(0o750, 1, 1, 2, 1, 1)
    assert not permits(0o750, 1, 1, 2, 2, 1)  # other: no bits
    assert permits(0o644, 1, 1, 2, 2, 4) and not permits(0o644, 1, 1, 2, 2, 1)
    assert not permits(0o070, 1, 1, 1, 1, 4)  # the owner gets the owner bits only
    assert permits(0o000, 1, 1, 0, 0, 4)  # root


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A 0755 directory under /tmp (pytest's own tmp_path sits in a 0700 one)."""
    path = Path(tempfile.mkdtemp())
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_a_closed_directory_is_named_with_its_mode_and_owner(open_dir: Path) -> None:
    home = open_dir / "home"
    (home / "bin").mkdir(parents=True)
    python = home / "bin" / "python3"
    python.write_text("")
    python.chmod(0o755)
    home.chmod(0o700)
    try:
        assert unreachable(str(python), OTHER, OTHER, executable=True) == (
            f"that user cannot enter {home} (mode 0700, owner {ME})"
        )
        assert unreachable(str(python), os.getuid(), OTHER, executable=True) is None
    finally:
        home.chmod(0o755)


def test_a_symlink_is_followed_to_where_the_file_is(open_dir: Path) -> None:
    closed = open_dir / "closed"
    closed.mkdir(mode=0o711)
    (closed / "lib").mkdir(mode=0o700)
    target = closed / "lib" / "python3.11"
    target.write_text("")
    target.chmod(0o755)
    link = open_dir / "python"
    link.symlink_to(target)
    assert unreachable(str(link), OTHER, OTHER, executable=True) == (
        f"that user cannot enter {closed / 'lib'} (mode 0700, owner {ME})"
    )


def test_a_file_needs_read_or_for_an_interpreter_execute(open_dir: Path) -> None:
    source = open_dir / "runtime.py"
    source.write_text("")
    source.chmod(0o600)
    assert unreachable(str(source), OTHER, OTHER) == (
        f"that user cannot read {source} (mode 0600, owner {ME})"
    )
    source.chmod(0o644)
    assert unreachable(str(source), OTHER, OTHER) is None
    assert unreachable(str(source), OTHER, OTHER, executable=True) == (
        f"that user cannot execute {source} (mode 0644, owner {ME})"
    )


def test_a_missing_path_is_left_to_the_probe(open_dir: Path) -> None:
    assert unreachable(str(open_dir / "nothing"), OTHER, OTHER) is None


def test_only_root_switches_users(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check_user("") is None
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert check_user("nobody") is None
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert check_user("no-such-user-here") == "child_user 'no-such-user-here': no such user"
