"""Which gunicorn worker holds the load client's connections (Linux /proc).

A keep-alive connection stays with the worker that accepted it, and which worker accepts is a race:
opening 32 connections at once, one worker sometimes takes them all, and the other idles while it
runs at one process's maximum (seen here: the bare GET at 2,400 req/s against 5,500 with the
connections split). The load clients (httpload.py, loadgen.py) open their connections again until
the workers share them, so a run measures the server, not the race.
"""
from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

SHARE = 0.375  # each worker holds at least this share of an even split
OPENINGS = 60  # at most; seen: up to 26 before the workers shared 32 connections
Conns = TypeVar("Conns")


def worker_connections(master_pid: int, port: int) -> list[int]:
    """How many established connections on `port` each worker (child) of the gunicorn master holds."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # ESTABLISHED, ours
            established.add(fields[9])  # inode
    counts = []
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        held = 0
        for fd in Path(f"/proc/{child}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:  # closed meanwhile
                continue
            held += target.startswith("socket:[") and target[8:-1] in established
        counts.append(held)
    return counts


def shared(master_pid: int, port: int) -> bool:
    """Does every worker hold at least SHARE of an even split of the connections?"""
    counts = worker_connections(master_pid, port)
    return bool(counts) and min(counts) >= SHARE * 2 * sum(counts) / len(counts)


async def open_until_shared(open_all: Callable[[], Awaitable[Conns]], shared_now: Callable[[], bool],
                            close_all: Callable[[Conns], None]) -> tuple[Conns, dict]:
    """`open_all()` (which opens the connections and has each answered once) again, up to OPENINGS
    times, until `shared_now()`; the connections, how often they were opened again, and whether the
    workers share them in the end (a run that gave up says so in its results)."""
    for again in range(OPENINGS):
        conns = await open_all()
        ok = shared_now()
        if ok or again == OPENINGS - 1:
            break
        close_all(conns)
    return conns, {"reopened": again, "shared": ok}
