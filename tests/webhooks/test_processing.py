"""The worker side: claim, dispatch, record; retries, dead letters, sweeper, replay."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from shop_plugin.db import utcnow
from shop_plugin.events import processing
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.shops.models import Shop
from tests.admin.support import counted_queries
from tests.support import fixture, signed_webhook

ORDER = fixture("orders_create.rest_fixture.json")


def event(app, webhook_id: str) -> WebhookEvent:
    with app.app_context():
        return session().scalars(select(WebhookEvent).where(WebhookEvent.webhook_id == webhook_id)).one()


def test_malformed_json_is_failed_with_a_reason_and_not_retried(app, client):
    signed_webhook(client, "orders/create", b'{"id": ', webhook_id="bad-json")
    stored = event(app, "bad-json")
    assert stored.status == "failed"
    assert "not valid JSON" in stored.error
    assert stored.next_attempt_at is None
    with app.app_context():
        assert stored.id not in processing.due_event_ids()


def test_json_that_is_not_an_object_is_failed(app, client):
    signed_webhook(client, "orders/create", b"[1, 2]", webhook_id="list")
    assert event(app, "list").status == "failed"


def test_an_unknown_topic_is_stored_and_ignored(app, client):
    assert signed_webhook(client, "products/update", {"id": 1}, webhook_id="unknown").status_code == 200
    assert event(app, "unknown").status == "ignored"


def test_a_failing_handler_retries_with_backoff_then_goes_dead(app, client):
    poison = {"id": "not-a-number", "updated_at": "2026-01-01T00:00:00Z"}
    signed_webhook(client, "orders/create", poison, webhook_id="poison")
    first = event(app, "poison")
    assert first.status == "failed" and first.attempts == 1
    assert first.next_attempt_at > utcnow() + timedelta(seconds=20)
    for _ in range(10):
        with app.app_context():
            session().execute(update(WebhookEvent).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            session().commit()
            processing.sweep()
    dead = event(app, "poison")
    assert dead.status == "dead"
    assert dead.attempts == app.config["WEBHOOK_MAX_ATTEMPTS"]
    assert "ValueError" in dead.error


def test_a_poison_event_does_not_block_other_shops(app, client):
    signed_webhook(client, "orders/create", {"id": "x"}, shop="poison.myshopify.com", webhook_id="p")
    signed_webhook(client, "orders/create", ORDER, webhook_id="good")
    assert event(app, "good").status == "processed"


def test_a_processed_event_is_not_run_twice(app, client):
    signed_webhook(client, "orders/create", ORDER, webhook_id="once")
    with app.app_context():
        assert processing.process_event(event(app, "once").id) is None
    assert event(app, "once").attempts == 1


def stored_event(webhook_id: str, order_id: int, **state) -> WebhookEvent:
    """A row as the receiver leaves it, with `state` (status, attempts, lease) overridden."""
    return WebhookEvent(**{
        "shop_domain": "alpha-store.myshopify.com", "webhook_id": webhook_id, "topic": "orders/create",
        "headers": {}, "body": f'{{"id": {order_id}, "updated_at": "2026-01-01T00:00:00Z"}}'.encode(),
        "status": "received", "attempts": 0, "received_at": utcnow(), **state})


def test_the_sweeper_picks_up_events_nobody_enqueued(app):
    with app.app_context():
        processing_event = stored_event("orphan", 5, next_attempt_at=utcnow() + timedelta(seconds=60))
        session().add(processing_event)
        session().commit()
        assert processing.sweep() == 0  # still inside the grace period
        processing_event.next_attempt_at = utcnow() - timedelta(seconds=1)
        session().commit()
        assert processing.sweep() == 1
    assert event(app, "orphan").status == "processed"


def test_an_abandoned_claim_is_taken_over_after_its_lease(app):
    with app.app_context():
        lease = utcnow() + timedelta(minutes=5)
        abandoned = stored_event("killed", 6, status="processing", attempts=1, locked_until=lease,
                                 next_attempt_at=lease)
        session().add(abandoned)
        session().commit()
        assert processing.process_event(abandoned.id) is None  # lease still held
        abandoned.locked_until = abandoned.next_attempt_at = utcnow() - timedelta(seconds=1)
        session().commit()
        assert processing.sweep() == 1
    taken = event(app, "killed")
    assert taken.status == "processed" and taken.attempts == 2


def test_replay_runs_an_event_again(app, client):
    signed_webhook(client, "orders/create", b"{oops", webhook_id="replay")
    stored = event(app, "replay")
    with app.app_context():
        session().execute(update(WebhookEvent).where(WebhookEvent.id == stored.id).values(body=b'{"id": 9}'))
        session().commit()
        assert processing.replay(stored.id) == "processed"


def test_a_new_order_is_applied_in_few_statements_reading_default_settings_once(app):
    """The worker's hot path: claim and read in one statement, the shop's (unsaved) settings read once
    though the promise and the delay check both need them, the outcome written in one UPDATE."""
    with app.app_context():
        session().add(Shop(domain="counted.myshopify.com"))  # a known shop, as for nearly every webhook
        stored = WebhookEvent(shop_domain="counted.myshopify.com", webhook_id="counted", topic="orders/create",
                              headers={}, body=json.dumps(ORDER).encode(), status="received", attempts=0,
                              received_at=utcnow(), next_attempt_at=utcnow())
        session().add(stored)
        session().commit()
        event_id = stored.id
    with app.app_context(), counted_queries(app) as statements:
        assert processing.process_event(event_id) == "processed"
    event_writes = [n for n, s in enumerate(statements) if s.lstrip().startswith("UPDATE webhook_events")]
    assert len(event_writes) == 2  # the claim (which also reads the event) and the outcome
    applying = statements[:event_writes[1] + 1]  # then the effects it scheduled run (inline in tests)
    # this order comes with a fulfilment (one more upsert, and its carrier events read for the check)
    assert len([s for s in applying if "FROM shop_settings" in s]) == 1
    assert not [s for s in applying if s.lstrip().startswith("SELECT") and "FROM webhook_events" in s]
    assert len(applying) <= 16, "\n".join(s[:90] for s in applying)
    assert event(app, "counted").status == "processed"
