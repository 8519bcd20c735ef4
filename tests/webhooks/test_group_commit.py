"""Deliveries arriving together share one commit; each still gets its own outcome, on both databases."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop_plugin.db import utcnow
from shop_plugin.events.models import RECEIVED, WebhookEvent
from shop_plugin.extensions import session
from webhooks.group_commit import GroupCommit


def row(webhook_id: str, **changes) -> dict:
    now = utcnow()
    return {"shop_domain": "alpha-store.myshopify.com", "webhook_id": webhook_id, "event_id": None,
            "topic": "orders/create", "api_version": "2026-10", "triggered_at": now, "headers": {},
            "body": b"{}", "source": "webhook", "status": RECEIVED, "attempts": 0, "received_at": now,
            "next_attempt_at": now + timedelta(minutes=1), **changes}


class HeldWriter:
    """A writer whose first batch waits until `queued` more rows are waiting behind it, so the test
    knows how the rows are batched: the first alone, then all the others together. `batches` holds
    each committed batch's size."""

    def __init__(self, insert, queued: int) -> None:
        self.insert, self.queued = insert, queued
        self.batches: list[int] = []
        self.writing = threading.Event()  # the first batch is being written
        self.writer = GroupCommit(self._held)

    def _held(self, rows: list[dict]) -> list[tuple]:
        if not self.batches:
            self.writing.set()
            deadline = time.monotonic() + 10
            while len(self.writer._queue) < self.queued and time.monotonic() < deadline:
                time.sleep(0.005)
        returned = self.insert(rows)
        self.batches.append(len(rows))
        return returned

    def store_all(self, rows: list[dict]) -> list:
        """Each row stored from its own thread; the outcomes (or what was raised), in order. The other
        rows' threads start once the first row's batch is being written, so none of them joins it."""
        with ThreadPoolExecutor(max_workers=len(rows)) as pool:
            futures = [pool.submit(outcome, self.writer.store, rows[0])]
            assert self.writing.wait(timeout=10), "the first row's batch never started"
            futures += [pool.submit(outcome, self.writer.store, r) for r in rows[1:]]
            return [f.result(timeout=30) for f in futures]


def outcome(call, *args):
    try:
        return call(*args)
    except Exception as exc:  # noqa: BLE001 - the test looks at it
        return exc


def run_threads(targets) -> list:
    """Each target on its own thread; their results (or what they raised), in order."""
    results: list = [None] * len(targets)

    def run(i, target):
        results[i] = outcome(target)

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def stored(app) -> dict[str, int]:
    with app.app_context():
        return dict(session().execute(select(WebhookEvent.webhook_id, WebhookEvent.id)).all())


def test_rows_waiting_while_a_commit_runs_are_committed_together(app, insert):
    held = HeldWriter(insert, queued=9)
    ids = held.store_all([row(f"w-{n}") for n in range(10)])
    assert held.batches == [1, 9], "the first row alone, then the nine that queued behind it in one commit"
    assert sorted(ids) == sorted(stored(app).values()) and len(set(ids)) == 10


def test_a_retry_racing_its_original_in_one_batch_is_stored_once(app, insert):
    ids = HeldWriter(insert, queued=3).store_all([row("first"), row("dup"), row("dup"), row("other")])
    assert ids[0] is not None and ids[3] is not None
    assert sorted(i is None for i in ids[1:3]) == [False, True], "one of the two copies is new, one a retry"
    assert set(stored(app)) == {"first", "dup", "other"}


def test_a_row_the_database_refuses_fails_alone_and_the_rest_of_its_batch_is_stored(app, insert):
    results = HeldWriter(insert, queued=3).store_all(
        [row("first"), row("good-1"), row("bad", topic=None), row("good-2")])
    assert isinstance(results[2], IntegrityError)
    assert all(isinstance(r, int) for r in (results[0], results[1], results[3]))
    assert set(stored(app)) == {"first", "good-1", "good-2"}


@pytest.mark.parametrize("threads", [16])
def test_many_concurrent_deliveries_are_each_stored_exactly_once(app, insert, threads):
    writer = GroupCommit(insert)
    per_thread = 25
    results = run_threads([lambda t=t: [writer.store(row(f"t{t}-{n % 20}")) for n in range(per_thread)]
                           for t in range(threads)])
    new_ids = [i for ids in results for i in ids if i is not None]
    assert len(new_ids) == threads * 20 and len(set(new_ids)) == len(new_ids)  # the 5 repeats per thread: None
    with app.app_context():
        assert session().scalar(select(func.count()).select_from(WebhookEvent)) == threads * 20
    assert not writer._writing and writer._queue == []
