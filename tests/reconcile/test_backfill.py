"""On install the last 60 days of orders are imported once, with progress shown in the admin."""
from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from shop_plugin.db import utcnow
from shop_plugin.effects.models import Effect
from shop_plugin.extensions import session
from shop_plugin.reconcile import service
from shop_plugin.reconcile.models import ReconcileRun
from shop_plugin.shops import service as shops
from shop_plugin.shops.models import Shop
from tests.reconcile.support import ago, install, order_node, rows, shop_orders
from tests.support import SHOP, bearer, fixture, session_token, signed_webhook


def home(client) -> str:
    return client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}").get_data(as_text=True)


def test_install_imports_the_last_sixty_days_once(app, client, shopify_orders):
    for n in range(12):
        shopify_orders.put(order_node(9000 + n, ago(days=50 - n)))
    shopify_orders.put(order_node(9100, ago(days=70)))
    install(client)
    [run] = rows(app, ReconcileRun, kind="backfill")
    assert (run.status, run.pages, run.orders_seen, run.orders_applied, run.total_estimate) == ("done", 2, 12, 12, 12)
    assert abs(run.since - (utcnow() - timedelta(days=60))) < timedelta(minutes=1)
    assert sorted(shop_orders(app)) == list(range(9000, 9012))
    install(client)
    assert len(rows(app, ReconcileRun, kind="backfill")) == 1
    body = client.get("/api/reconcile/status", headers=bearer()).json
    assert body["backfill"]["status"] == "done" and body["backfill"]["running"] is False
    assert (body["backfill"]["orders_seen"], body["backfill"]["total_estimate"]) == (12, 12)
    assert body["orders_applied_total"] == 12


def test_the_backfill_reads_the_shop_time_zone_itself_when_the_profile_effect_failed(app, client, shopify_orders,
                                                                                   fake_shopify):
    answers = [httpx.Response(503), httpx.Response(200, json={"data": {"shop": {"ianaTimezone": "Asia/Seoul"}}})]
    fake_shopify.on("ShopProfile", lambda body: answers.pop(0))
    shopify_orders.put(order_node(9150, ago(days=5)))
    install(client)
    [profile_effect] = rows(app, Effect, kind="shop_profile")
    assert profile_effect.status == "failed"  # Shopify's 503: that effect retries later
    assert rows(app, Shop, domain=SHOP)[0].timezone == "Asia/Seoul"  # read before any order was imported
    assert list(shop_orders(app)) == [9150]


def test_progress_shows_while_the_backfill_runs_and_goes_when_it_is_done(app, client, shopify_orders, fake_time):
    for n in range(15):
        shopify_orders.put(order_node(9200 + n, ago(days=20 - n)))
    shopify_orders.throttle_after[1] = {"currentlyAvailable": 0.0}  # the first page drains the bucket
    install(client)
    body = client.get("/api/reconcile/status", headers=bearer()).json["backfill"]
    assert (body["running"], body["status"], body["orders_seen"], body["total_estimate"]) == (True, "pending", 10, 15)
    assert body["resumes_at"] and "rate limit" in body["error"]
    page = home(client)
    assert "Importing your last 60 days of orders:" in page and "<strong>10</strong> of\n    ~15" in page
    shopify_orders.throttle["currentlyAvailable"] = 2000.0
    fake_time.sleep(30)
    with app.app_context():
        session().execute(update(ReconcileRun).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session().commit()
        service.sweep()
    body = client.get("/api/reconcile/status", headers=bearer()).json["backfill"]
    assert (body["running"], body["status"], body["orders_seen"], body["orders_applied"]) == (False, "done", 15, 15)
    assert "Importing" not in home(client)


def test_the_home_page_formats_large_counts(app, client, shopify_orders):
    install(client)
    with app.app_context():
        run_id, _ = service.start(session(), shop=shops.get(domain=SHOP), kind="backfill", since=ago(days=60))
        session().execute(update(ReconcileRun).where(ReconcileRun.id == run_id).values(
            orders_seen=340, total_estimate=1200, started_at=utcnow()))
        session().commit()
    assert "<strong>340</strong> of\n    ~1,200" in home(client)


def test_a_reinstall_while_a_backfill_runs_does_not_start_another(app, client, shopify_orders):
    install(client)
    with app.app_context():
        running, created = service.start(session(), shop=shops.get(domain=SHOP), kind="backfill",
                                         since=ago(days=60))
        session().commit()
        assert created and service.claim(running)  # another worker holds it
    signed_webhook(client, "app/uninstalled", fixture("app_uninstalled.rest_fixture.json"))
    install(client)
    backfills = rows(app, ReconcileRun, kind="backfill")
    assert [(r.id, r.status) for r in backfills] == [(backfills[0].id, "done"), (running, "processing")]
    effects = rows(app, Effect, kind="reconcile_backfill")
    assert [(e.status, e.result["created"]) for e in effects] == [("done", True), ("done", False)]
    assert effects[1].result["run_id"] == running
    with app.app_context():
        again, created = service.start(session(), shop=shops.get(domain=SHOP), kind="backfill", since=ago(days=1))
    assert (again, created) == (running, False)


def test_no_periodic_run_starts_while_the_backfill_is_unfinished(app, client, shopify_orders):
    install(client)
    with app.app_context():
        service.start(session(), shop=shops.get(domain=SHOP), kind="backfill", since=ago(days=60))
        session().commit()
        assert service.schedule_periodic() == 0
    assert rows(app, ReconcileRun, kind="periodic") == []
