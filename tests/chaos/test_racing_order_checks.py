"""Two webhooks of one order processed at the same moment, in the worst interleaving (forced with
PostgreSQL locks): the breach that only their combination shows is still acted on, once."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import Ticket
from tests.chaos import state
from tests.chaos.harness import POSTGRES, wait_until
from tests.support import fixture, signed_webhook

pytestmark = [pytest.mark.services, POSTGRES]
HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
ORDER = dict(fixture("orders_create.rest_fixture.json"), id=81001, created_at=HOUR_AGO, updated_at=HOUR_AGO,
             fulfillments=[], refunds=[], financial_status="paid")
FULFILMENT = dict(fixture("fulfillments_create.rest_fixture.json"), id=81002, order_id=81001, status="success",
                  created_at=HOUR_AGO, updated_at=HOUR_AGO)
FAILURE = dict(fixture("fulfillment_events_create.rest_fixture.json"), id=81003, fulfillment_id=81002,
               order_id=81001, status="failure", happened_at=HOUR_AGO)


def waiting_on(observer, statement: str) -> bool:
    return observer.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                            (f"{statement}%",)).fetchone()[0] > 0


def deliver_in_thread(app, topic: str, payload: dict) -> threading.Thread:
    thread = threading.Thread(target=signed_webhook, args=(app.test_client(), topic, payload), daemon=True)
    thread.start()
    return thread


def test_an_order_and_its_fulfilment_racing_still_see_the_carrier_failure(make_app, database_url):
    app = make_app()
    signed_webhook(app.test_client(), "fulfillment_events/create", FAILURE)  # neither order nor fulfilment yet
    with psycopg.connect(database_url, autocommit=True) as observer, psycopg.connect(database_url) as checks, \
            psycopg.connect(database_url) as events:
        checks.execute("LOCK TABLE order_checks IN EXCLUSIVE MODE")
        order = deliver_in_thread(app, "orders/create", ORDER)  # stored, then waits to check the order
        wait_until(lambda: waiting_on(observer, "INSERT INTO order_checks"), what="the order's check to wait")
        events.execute("SELECT 1 FROM webhook_events WHERE status = 'processing' FOR UPDATE")
        checks.rollback()  # the order's check reads what is committed (no fulfilment), then waits to finish
        wait_until(lambda: waiting_on(observer, "UPDATE webhook_events"), what="the order's event to wait")
        fulfilment = deliver_in_thread(app, "fulfillments/create", FULFILMENT)
        wait_until(lambda: not fulfilment.is_alive() or waiting_on(observer, "INSERT INTO order_checks"),
                   what="the fulfilment's check to finish or wait")
        events.rollback()
        for thread in (order, fulfilment):
            thread.join(timeout=30)
            assert not thread.is_alive()
    assert [e.status for e in state.events(app)] == ["processed"] * 3
    with app.app_context():
        tickets = [(t.order_shopify_id, t.reason) for t in session().scalars(select(Ticket))]
    assert tickets == [(81001, "delivery_exception")]
