"""Webhook bodies are erased after the retention period; the rows, their outcomes and the order state stay."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from shop_plugin.db import utcnow
from shop_plugin.events import processing, retention
from shop_plugin.events.models import EXPIRED_BODY, RetentionMark, WebhookEvent
from shop_plugin.extensions import session
from tests.support import bearer, fixture, signed_webhook

ORDER = fixture("orders_create.rest_fixture.json")


def deliver(client, n: int, topic: str = "orders/create") -> None:
    assert signed_webhook(client, topic, dict(ORDER, id=n), webhook_id=f"w{n}").status_code == 200


def age(app, days: int, *webhook_ids: str, **values) -> None:
    with app.app_context():
        session().execute(update(WebhookEvent).where(WebhookEvent.webhook_id.in_(webhook_ids))
                          .values(received_at=utcnow() - timedelta(days=days), **values))
        session().commit()


def bodies(app) -> dict[str, tuple[str, bool]]:
    with app.app_context():
        rows = session().execute(select(WebhookEvent.webhook_id, WebhookEvent.status, WebhookEvent.body))
        return {w: (status, bytes(body) == EXPIRED_BODY) for w, status, body in rows}


def purge(app) -> int:
    with app.app_context():
        return retention.purge_bodies()


def test_settled_bodies_older_than_the_retention_are_erased_and_the_rest_kept(app, client):
    for n in range(1, 5):
        deliver(client, n)
    deliver(client, 9, topic="products/update")  # not handled: ignored
    deliver(client, 5)  # ids follow arrival: the walk stops at the first delivery inside the period
    age(app, 31, "w1", "w2", "w9")
    age(app, 31, "w3", status="dead")  # the operator still needs it
    age(app, 31, "w4", status="failed")
    assert purge(app) == 3
    assert bodies(app) == {"w1": ("processed", True), "w2": ("processed", True), "w9": ("ignored", True),
                           "w3": ("dead", False), "w4": ("failed", False), "w5": ("processed", False)}
    assert purge(app) == 0  # the walk starts where it stopped
    with app.app_context():
        assert session().get(RetentionMark, retention.MARK).last_id >= 4
    age(app, 31, "w5")  # its time comes later
    assert purge(app) == 1 and bodies(app)["w5"] == ("processed", True)


def test_the_order_stays_and_a_replay_of_an_erased_delivery_applies_nothing(app, client):
    deliver(client, 7)
    age(app, 40, "w7")
    assert purge(app) == 1
    with app.app_context():
        event_id = session().scalars(select(WebhookEvent.id).where(WebhookEvent.webhook_id == "w7")).one()
        assert processing.replay(event_id) == "failed"
        event = session().get(WebhookEvent, event_id)
        assert event.status == "failed" and "erased" in event.error
    order = client.get("/api/orders/7", headers=bearer())
    assert order.status_code == 200 and order.json["email"] == ORDER["email"]
