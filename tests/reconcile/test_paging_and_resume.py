"""A run follows Shopify's cursor page by page and, after a crash, goes on from the last committed page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from shop_plugin.db import utcnow
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.reconcile import service
from shop_plugin.reconcile.models import ReconcileRun
from tests.reconcile.support import Crash, ago, get_run, install, order_node, reconcile, rows, shop_orders

pytestmark = pytest.mark.usefixtures("small_pages")


def eight_orders(shopify_orders) -> None:
    for n in range(8):
        shopify_orders.put(order_node(8000 + n, ago(minutes=50 - n)))


def test_pages_are_followed_by_cursor_to_the_end(app, client, shopify_orders):
    install(client)
    eight_orders(shopify_orders)
    before = len(shopify_orders.page_requests)
    run = reconcile(app)
    assert (run.status, run.pages, run.orders_seen, run.orders_applied, run.total_estimate) == ("done", 3, 8, 8, 8)
    assert sorted(shop_orders(app)) == list(range(8000, 8008))
    afters = [r.get("after") for r in shopify_orders.page_requests[before:]]
    assert afters[0] is None and len(set(afters)) == 3


def test_a_run_that_crashed_mid_way_resumes_from_its_cursor(app, client, shopify_orders):
    install(client)
    eight_orders(shopify_orders)
    before = len(shopify_orders.page_requests)
    shopify_orders.interruptions[before + 2] = Crash()
    with pytest.raises(Crash):
        reconcile(app)
    [run] = rows(app, ReconcileRun, kind="manual")
    assert (run.status, run.pages, run.orders_seen, run.orders_applied) == ("processing", 1, 3, 3)
    assert len(shop_orders(app)) == 3
    with app.app_context():
        assert service.sweep() == 0  # its worker's lease still runs
        session().execute(update(ReconcileRun).values(locked_until=utcnow() - timedelta(seconds=1),
                                                      next_attempt_at=utcnow() - timedelta(seconds=1)))
        session().commit()
        assert service.sweep() == 1
    run = get_run(app, run.id)
    assert (run.status, run.pages, run.orders_seen, run.orders_applied) == ("done", 3, 8, 8)
    afters = [r.get("after") for r in shopify_orders.page_requests[before:]]
    assert afters[0] is None and afters[1] == afters[2] and afters[3] not in (None, afters[1])
    assert len(rows(app, WebhookEvent, source="reconcile")) == 8
    assert sorted(shop_orders(app)) == list(range(8000, 8008))
