"""A poison event fails WEBHOOK_MAX_ATTEMPTS times, is parked as `dead`, and never holds up other
events: not other shops', not even its own shop's."""
from __future__ import annotations

import pytest

from shop_plugin.db import utcnow
from shop_plugin.events import processing
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from tests.chaos import state
from tests.chaos.harness import POSTGRES
from tests.support import fixture, signed_webhook

pytestmark = [pytest.mark.services, POSTGRES]
ORDER = fixture("orders_create.rest_fixture.json")
POISON_SHOP = "poison-store.myshopify.com"
SHOPS = [f"healthy-{n}.myshopify.com" for n in range(4)] + [POISON_SHOP]


def drain(app) -> None:
    runner = app.test_cli_runner()
    state.make_due(app)
    runner.invoke(args=["events", "sweep"])
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output


def test_a_poison_event_goes_dead_without_holding_up_any_other_event(make_app, redis_env):
    app = make_app(env={**redis_env, "WEBHOOK_MAX_ATTEMPTS": "3"})
    client = app.test_client()
    poison = {"id": "not-a-number", "updated_at": "2026-11-01T00:00:00Z"}
    assert signed_webhook(client, "orders/create", poison, shop=POISON_SHOP, webhook_id="poison").status_code == 200
    max_attempts = app.config["WEBHOOK_MAX_ATTEMPTS"]
    for round_ in range(max_attempts + 2):
        for n, shop in enumerate(SHOPS):
            order = dict(ORDER, id=60000 + 10 * round_ + n)
            assert signed_webhook(client, "orders/create", order, shop=shop).status_code == 200
        drain(app)
        good = [e for e in state.events(app) if e.webhook_id != "poison"]
        assert [(e.status, e.attempts) for e in good] == [("processed", 1)] * len(good)
        [bad] = state.events(app, webhook_id="poison")
        assert bad.attempts == min(round_ + 1, max_attempts)
        assert bad.status == ("dead" if round_ + 1 >= max_attempts else "failed")
    assert "ValueError" in bad.error and bad.next_attempt_at is None
    assert len(state.orders(app)) == len(SHOPS) * (max_attempts + 2)
    with app.app_context():
        assert bad.id not in processing.due_event_ids()


def test_an_event_whose_workers_keep_dying_goes_dead(make_app):
    """A worker killed inside the job never records a failure; the claims it leaves count instead,
    so an event that crashes every worker is parked instead of crashing them forever."""
    app = make_app()
    with app.app_context():
        event = WebhookEvent(shop_domain=POISON_SHOP, webhook_id="crasher", topic="orders/create", headers={},
                             body=b'{"id": 1}', status="received", attempts=0, received_at=utcnow(),
                             next_attempt_at=utcnow())
        session().add(event)
        session().commit()
    max_attempts = app.config["WEBHOOK_MAX_ATTEMPTS"]
    for _ in range(max_attempts):
        with app.app_context():
            assert processing.claim(event.id)  # a worker takes it ... and dies
        state.make_due(app)  # its lease runs out
    with app.app_context():
        assert processing.sweep() == 1
    [event] = state.events(app)
    assert event.status == "dead" and f"abandoned by its worker {max_attempts} times" in event.error
    assert state.orders(app) == []
