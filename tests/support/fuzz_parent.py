"""The parent's RPC components in a process of their own, for the fuzz test to measure.

`python fuzz_parent.py DB_URL SOCKET_PATH`: accepts one connection at a time on a Unix socket
and serves it with the supervisor's real Channel and ChildSession (bench child), as the parent does
for a child. Prints "ready" when listening.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys

from proxy.server import Channel
from supervisor.child_session import ChildSession
from supervisor.completer import Completer
from supervisor.config import load
from supervisor.database import Database
from supervisor.fetcher import Fetcher
from supervisor.orphans import ClaimGate


async def main(db_url: str, path: str) -> None:
    logging.disable(logging.WARNING)
    cfg = load(None, env={"DATABASE_URL": db_url, "DB_MAX_CONNS": "3"})
    db = Database(cfg)
    await db.open()
    completer = Completer(db)
    asyncio.get_running_loop().create_task(completer.run())
    q = cfg.queues["bench"]
    session = ChildSession(q, db, completer, Fetcher(db, q.queue, "fuzz", 0.05, 0.0, ClaimGate()))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.setblocking(False)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        conn, _ = await loop.sock_accept(server)
        channel = Channel(conn, "bench", session.handle, session.notify)
        await channel.serve()
        sys.stdout.write("V\n" if channel.violation else "K\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
