"""The receivers of several processes take turns at one SQLite file on a kernel lock.

SQLite lets one writer at a time into a database. A connection that finds the file locked sleeps
in its busy handler (1, 2, 5, 10 … 100 ms under `busy_timeout`) and tries again, however soon the
lock was free. Under load the receivers of two gunicorn workers met that way every few commits, and
each meeting stalled one worker's whole group commit for a millisecond or more (about two hundred
sleeps a second at 2,000 deliveries a second). Taken around the receiver's insert, an exclusive
`flock` on a file beside the database makes the second receiver wait in the kernel and go on the
moment the first is done. Other writers (jobs, the admin) do not take it and meet SQLite's own
lock as before.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import AbstractContextManager

from sqlalchemy.engine import Engine

SUFFIX = "-receiver.lock"  # beside SQLite's own -wal and -shm files


class WriterLock(AbstractContextManager):
    """`with lock:` holds the file lock; the file is opened on first use and kept open."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # no directory, read-only: the insert meets SQLite's own lock, or reports why not
                return self
        fcntl.flock(self._fd, fcntl.LOCK_EX)  # waits without the GIL
        return self

    def __exit__(self, *_exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


class NoLock(AbstractContextManager):
    """For an in-memory SQLite or another database (PostgreSQL lets concurrent inserts through)."""

    def __exit__(self, *_exc) -> None:
        pass

    def close(self) -> None:
        pass


def writer_lock(engine: Engine) -> WriterLock | NoLock:
    """The lock for the engine's SQLite file, or nothing to take."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return NoLock()
    return WriterLock(database + SUFFIX)
