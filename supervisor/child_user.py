"""Can `child_user` run the children? Asked once at start, as that user.

A child runs `sys.executable -m workers.runtime` as `child_user`, with cwd "/" and the
scrubbed environment. If that user cannot reach the interpreter (Python under a 0700 home
directory), its standard library, the site-packages or the source checkout, every child
fails at exec or import and restarts for ever; asked at start, it is one configuration
error naming the path and the user.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import re
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

from supervisor.child import child_env

PROBE = "import workers.runtime"
"""What a child imports first: the interpreter, its standard library, the site-packages
and the source checkout must all be readable for it to succeed."""
PROBE_TIMEOUT = 30.0
RUN_HINT = "; install Python where that user can reach it (not under a 0700 home directory)"
IMPORT_HINT = (
    "; the interpreter, its site-packages and the project's source must be readable by that user"
)
ERROR_LINE = re.compile(r"^[\w.]*(Error|Exception|Exit)\b|^Fatal Python error:")


def check_user(user: str) -> str | None:
    """Why children cannot run as `user` (None: they can, or we are not root and do not
    switch users)."""
    if not user or os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return f"child_user {user!r}: no such user"
    uid, gid = entry.pw_uid, entry.pw_gid
    exe = sys.executable
    try:
        proc = subprocess.run(
            [exe, "-c", PROBE], user=uid, group=gid, extra_groups=[], cwd="/",
            env=child_env(()), stdin=subprocess.DEVNULL, capture_output=True,
            text=True, errors="replace", timeout=PROBE_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"child_user {user!r}: `{exe} -c {PROBE!r}` did not finish in {PROBE_TIMEOUT:g}s"
    except OSError as exc:
        reason = unreachable(exe, uid, gid, executable=True) or exc.strerror or str(exc)
        return f"child_user {user!r} cannot run {exe}: {reason}{RUN_HINT}"
    if proc.returncode == 0:
        return None
    culprits = (unreachable(path, uid, gid) for path in _imported_from())
    reason = next(filter(None, culprits), None) or last_error_line(proc.stderr)
    return f"child_user {user!r} cannot {PROBE} with {exe}: {reason}{IMPORT_HINT}"


def _imported_from() -> list[str]:
    """Where the probe's imports come from, as this process sees it: the standard
    library, the site-packages and the child runtime's source."""
    paths = [os.__file__, sysconfig.get_path("purelib")]
    spec = importlib.util.find_spec("workers.runtime")
    if spec is not None and spec.origin:
        paths.append(spec.origin)
    return paths


def unreachable(path: str, uid: int, gid: int, *, executable: bool = False) -> str | None:
    """The first directory on the way to `path` (as given, then with symlinks resolved)
    that `uid`/`gid` cannot enter, or `path` itself when it cannot read it (or execute it,
    for an interpreter); None when every step is allowed. Mode bits only: the probe's
    outcome is the truth, this only names the culprit."""
    for candidate in dict.fromkeys((Path(path), Path(os.path.realpath(path)))):
        for step in (*reversed(candidate.parents), candidate):
            try:
                st = step.stat()
            except OSError:
                return None  # missing: the probe's own error says more
            directory = stat.S_ISDIR(st.st_mode)
            need = 1 if directory or executable else 4  # search, execute, read
            if not permits(st.st_mode, st.st_uid, st.st_gid, uid, gid, need):
                return _describe(str(step), st.st_mode, st.st_uid, directory, executable)
    return None


def permits(mode: int, owner: int, group: int, uid: int, gid: int, need: int) -> bool:
    """Whether the owner, group or other bits of `mode` grant `need` (4 read, 1 execute or
    search) to `uid` with only its primary group `gid` (children get no supplementary
    groups)."""
    if uid == 0:
        return True
    shift = 6 if uid == owner else 3 if gid == group else 0
    return bool((mode >> shift) & need)


def _describe(path: str, mode: int, owner: int, directory: bool, executable: bool) -> str:
    try:
        name = pwd.getpwuid(owner).pw_name
    except KeyError:
        name = str(owner)
    what = "enter" if directory else "execute" if executable else "read"
    return f"that user cannot {what} {path} (mode {stat.S_IMODE(mode):04o}, owner {name})"


def last_error_line(stderr: str) -> str:
    """A failed interpreter's stderr in one line: the last line naming an error (the
    exception at the end of a traceback), else the last non-blank line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if ERROR_LINE.match(line)]
    return (errors or lines or ["no error output"])[-1]


__all__ = ["check_user", "last_error_line", "permits", "unreachable"]
