"""Deliveries arriving together share one commit; each still gets its own outcome, on both databases."""
from __future__ import annotations

import threading
import time
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


def writer_held_until(insert, queued: int) -> tuple[GroupCommit, list[int], threading.Event]:
    """A writer whose first batch waits until `queued` more rows are waiting behind it, so the test
    knows how the rows are batched: the first alone, then all the others together. The list holds
    each committed batch's size; the event is set once the first batch is being written (start the
    other rows' threads after it, or one of them may be in the first batch)."""
    batches: list[int] = []
    writing = threading.Event()
    writer: GroupCommit

    def held(rows: list[dict]) -> list[tuple]:
        if not batches:
            writing.set()
            deadline = time.monotonic() + 10
            while len(writer._queue) < queued and time.monotonic() < deadline:
                time.sleep(0.005)
        returned = insert(rows)
        batches.append(len(rows))
        return returned

    writer = GroupCommit(held)
    return writer, batches, writing


def run_threads(targets, after_first: threading.Event | None = None) -> list:
    """Each target on its own thread; their results (or what they raised), in order. With
    `after_first`, the first target's thread starts alone and the others once the event is set."""
    results: list = [None] * len(targets)

    def run(i, target):
        try:
            results[i] = target()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for n, t in enumerate(threads):
        t.start()
        if n == 0 and after_first is not None:
            assert after_first.wait(timeout=10), "the first row's batch never started"
    for t in threads:
        t.join(timeout=30)
    return results


def stored(app) -> dict[str, int]:
    with app.app_context():
        return dict(session().execute(select(WebhookEvent.webhook_id, WebhookEvent.id)).all())


def test_rows_waiting_while_a_commit_runs_are_committed_together(app, insert):
    writer, batches, writing = writer_held_until(insert, queued=9)
    ids = run_threads([lambda n=n: writer.store(row(f"w-{n}")) for n in range(10)], after_first=writing)
    assert batches == [1, 9], "the first row alone, then the nine that queued behind it in one commit"
    assert sorted(ids) == sorted(stored(app).values()) and len(set(ids)) == 10


def test_a_retry_racing_its_original_in_one_batch_is_stored_once(app, insert):
    writer, _, writing = writer_held_until(insert, queued=3)
    ids = run_threads([lambda: writer.store(row("first")), lambda: writer.store(row("dup")),
                       lambda: writer.store(row("dup")), lambda: writer.store(row("other"))], after_first=writing)
    assert ids[0] is not None and ids[3] is not None
    assert sorted(i is None for i in ids[1:3]) == [False, True], "one of the two copies is new, one a retry"
    assert set(stored(app)) == {"first", "dup", "other"}


def test_a_row_the_database_refuses_fails_alone_and_the_rest_of_its_batch_is_stored(app, insert):
    writer, _, writing = writer_held_until(insert, queued=3)
    results = run_threads([lambda: writer.store(row("first")), lambda: writer.store(row("good-1")),
                           lambda: writer.store(row("bad", topic=None)), lambda: writer.store(row("good-2"))],
                          after_first=writing)
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
