"""Group commit for the webhook receiver: deliveries arriving together share one transaction.

A request thread queues its row and waits. A thread that finds nobody writing becomes the writer:
it takes the rows queued so far (its own among them), inserts them with one statement, commits
once, gives every waiting thread its outcome and, if more rows queued meanwhile, passes the
writing on to the oldest of their threads. Every delivery is still committed before its request
answers; under load one commit (one WAL flush, one SQLite write lock) serves many deliveries
instead of one each. A thread alone writes at once: nothing waits for a batch to fill.

If the batch statement fails, each of its rows is retried in a transaction of its own, so one
row the database refuses fails only its own request (503, Shopify retries it); the others are
stored and answered normally.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

MAX_BATCH = 64
Key = tuple[str, str]  # (shop domain, webhook id): the receiver's unique key


class _Waiting:
    """One request's row and its outcome. `wake` is a plain lock, taken at creation: the request thread
    waits by acquiring it again, the writer wakes it by releasing it (once per wait). It is what
    `threading.Event` does underneath, without the condition variable around it, on a path every
    delivery takes twice."""

    __slots__ = ("row", "wake", "write_next", "event_id", "error")

    def __init__(self, row: dict) -> None:
        self.row = row
        self.wake = threading.Lock()
        self.wake.acquire()
        self.write_next = False  # woken to take over the writing, not with an outcome
        self.event_id: int | None = None
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(self, insert: Callable[[list[dict]], list[tuple]]) -> None:
        """`insert(rows)`: commits INSERT … ON CONFLICT (shop, webhook id) DO NOTHING for the rows in one
        transaction and gives back the (id, shop, webhook id) of those it inserted."""
        self.insert = insert
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._writing = False

    def store(self, row: dict) -> int | None:
        """Commit the row (with whatever else is queued); its new id, or None when its key was already
        stored (a retry, or a duplicate in the same batch). Raises what the database raised for it."""
        me = _Waiting(row)
        with self._lock:
            self._queue.append(me)
            write = not self._writing
            self._writing = True
        while True:
            if write:
                self._write_batch()
            me.wake.acquire()  # until the writer of its batch (maybe this thread) or the last writer wakes it
            if not me.write_next:
                break
            me.write_next, write = False, True
        if me.error is not None:
            raise me.error
        return me.event_id

    def close(self) -> None:
        """Release what the insert holds (its database connection), if it holds anything."""
        close = getattr(self.insert, "close", None)
        if close is not None:
            close()

    def _write_batch(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        try:
            self._commit(batch)
        finally:
            for waiting in batch:
                waiting.wake.release()
            with self._lock:
                if self._queue:
                    self._queue[0].write_next = True
                    self._queue[0].wake.release()
                else:
                    self._writing = False

    def _commit(self, batch: list[_Waiting]) -> None:
        first: dict[Key, _Waiting] = {}
        for waiting in batch:  # a retry racing its original in the same batch: one row, no new id
            first.setdefault(_key(waiting.row), waiting)
        try:
            ids = self._insert([w.row for w in first.values()])
        except Exception:  # noqa: BLE001 - retried one by one, so only the refused row fails
            ids = {}
            for waiting in first.values():
                try:
                    ids.update(self._insert([waiting.row]))
                except Exception as exc:  # noqa: BLE001 - its request answers 503
                    waiting.error = exc
        for key, waiting in first.items():
            waiting.event_id = ids.get(key)

    def _insert(self, rows: list[dict]) -> dict[Key, int]:
        return {(shop, webhook_id): event_id for event_id, shop, webhook_id in self.insert(rows)}


def _key(row: dict) -> Key:
    return row["shop_domain"], row["webhook_id"]
