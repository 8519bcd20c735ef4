"""A run stays inside Shopify's cost bucket: it waits when the bucket is low, steps aside when the wait
is long, waits out THROTTLED answers, and backs off from server errors. Time is injected."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.reconcile import runner, service
from shop_plugin.reconcile.models import ReconcileRun
from shop_plugin.reconcile.throttle import Bucket
from tests.reconcile.support import (
    ago,
    get_run,
    install,
    order_node,
    reconcile,
    shop_orders,
    start_manual,
    throttled,
)

pytestmark = pytest.mark.usefixtures("small_pages")


def five_orders(shopify_orders) -> None:
    for n in range(5):
        shopify_orders.put(order_node(8500 + n, ago(minutes=40 - n)))


def advance(app, run_id: int, time) -> str:
    with app.app_context():
        assert service.claim(run_id)
        return runner.advance(run_id, pace=runner.Pace(sleep=time.sleep, clock=time.clock))


def make_due(app) -> None:
    with app.app_context():
        session().execute(update(ReconcileRun).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session().commit()
        service.sweep()


def test_a_full_bucket_never_waits(app, client, shopify_orders, fake_time):
    install(client)
    five_orders(shopify_orders)
    assert advance(app, start_manual(app), fake_time) == "done"
    assert fake_time.slept == []


def test_a_low_bucket_waits_until_the_next_page_fits_with_a_reserve(app, client, shopify_orders, fake_time):
    install(client)
    five_orders(shopify_orders)
    shopify_orders.throttle["currentlyAvailable"] = 1000.0  # a page asks 900; 400 stay in reserve
    run_id = start_manual(app)
    assert advance(app, run_id, fake_time) == "done"
    assert fake_time.slept == [3.0, 3.0]  # before each page: (900 + 400 - 1000) / 100 per second
    assert len(shop_orders(app)) == 5


def test_a_long_wait_defers_the_run_with_its_cursor_and_the_sweep_resumes_it(app, client, shopify_orders, fake_time):
    install(client)
    five_orders(shopify_orders)
    before = len(shopify_orders.page_requests)
    shopify_orders.throttle_after[before + 1] = {"currentlyAvailable": 0.0, "restoreRate": 50.0}
    run_id = start_manual(app)
    assert advance(app, run_id, fake_time) == "deferred"
    run = get_run(app, run_id)
    assert (run.status, run.pages, run.orders_seen, run.attempts) == ("pending", 1, 3, 0)
    assert "rate limit" in run.error and run.locked_until is None and run.cursor
    assert utcnow() + timedelta(seconds=20) < run.next_attempt_at < utcnow() + timedelta(seconds=27)
    assert len(shopify_orders.page_requests) == before + 1
    with app.app_context():
        assert service.sweep() == 0  # not due yet
    shopify_orders.throttle.update(currentlyAvailable=2000.0, restoreRate=100.0)
    fake_time.sleep(30)
    make_due(app)
    cursor = run.cursor
    run = get_run(app, run_id)
    assert (run.status, run.pages, run.orders_seen, run.error) == ("done", 2, 5, None)
    assert [r.get("after") for r in shopify_orders.page_requests[before:]] == [None, cursor]
    assert len(shop_orders(app)) == 5


def test_a_throttled_answer_is_waited_out_then_retried(app, client, shopify_orders, fake_time):
    install(client)
    five_orders(shopify_orders)
    before = len(shopify_orders.page_requests)
    shopify_orders.interruptions[before + 1] = throttled(available=500.0)
    assert advance(app, start_manual(app), fake_time) == "done"
    assert fake_time.slept == [4.0]  # (900 asked - 500 there) / 100 per second
    assert [r.get("after") for r in shopify_orders.page_requests[before:before + 2]] == [None, None]
    assert len(shop_orders(app)) == 5


def test_a_long_throttle_defers_the_run_without_counting_a_failure(app, client, shopify_orders, fake_time):
    install(client)
    five_orders(shopify_orders)
    before = len(shopify_orders.page_requests)
    shopify_orders.interruptions[before + 1] = throttled(available=0.0, restore=50.0)
    run_id = start_manual(app)
    assert advance(app, run_id, fake_time) == "deferred"
    run = get_run(app, run_id)
    assert (run.status, run.attempts, run.pages) == ("pending", 0, 0) and fake_time.slept == []
    assert utcnow() + timedelta(seconds=15) < run.next_attempt_at < utcnow() + timedelta(seconds=19)


def test_a_server_error_backs_off_and_the_sweep_resumes_from_the_cursor(app, client, shopify_orders, fake_time):
    install(client)
    five_orders(shopify_orders)
    before = len(shopify_orders.page_requests)
    shopify_orders.interruptions[before + 2] = httpx.Response(500)
    run = reconcile(app)
    assert (run.status, run.pages, run.orders_seen, run.attempts) == ("failed", 1, 3, 1)
    assert "500" in run.error
    assert run.next_attempt_at > utcnow() + timedelta(seconds=20)
    with app.app_context():
        assert service.sweep() == 0
    make_due(app)
    run = get_run(app, run.id)
    assert (run.status, run.pages, run.orders_seen, run.orders_applied) == ("done", 2, 5, 5)
    assert shopify_orders.page_requests[-1]["after"] == shopify_orders.page_requests[before + 1]["after"]


def test_the_bucket_counts_what_refilled_since_it_was_read():
    bucket = Bucket()
    assert bucket.wait_for(now=0.0) == 0.0  # nothing known yet: ask, and learn from the answer
    bucket.observe({"cost": {"requestedQueryCost": 500, "throttleStatus": {
        "maximumAvailable": 1000.0, "currentlyAvailable": 100.0, "restoreRate": 50.0}}}, now=10.0)
    assert bucket.wait_for(now=10.0) == 12.0  # (500 + 200 reserve - 100) / 50
    assert bucket.wait_for(now=16.0) == 6.0
    assert bucket.wait_for(now=30.0) == 0.0
    bucket.observe({"cost": {}}, now=31.0)  # an answer without cost data changes nothing
    assert bucket.wait_for(now=30.0) == 0.0
