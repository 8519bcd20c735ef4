"""Reconciliation brings in what webhooks missed, through the webhook handlers, newest state winning."""
from __future__ import annotations

from shop_plugin.effects.models import Effect
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import Ticket
from shop_plugin.orders.models import LineItem
from shop_plugin.promises.models import OrderPromise
from shop_plugin.reconcile import service
from shop_plugin.reconcile.adapter import order_payload
from shop_plugin.reconcile.models import ReconcileRun
from shop_plugin.shops import service as shops
from shop_plugin.shops.models import Shop
from tests.reconcile.support import ago, install, order_node, reconcile, rows, shop_orders
from tests.support import OTHER_SHOP, SHOP, bearer, signed_webhook


def test_orders_whose_webhooks_never_came_arrive_by_the_periodic_run(app, client, shopify_orders):
    install(client)
    for n in range(3):
        shopify_orders.put(order_node(7000 + n, ago(minutes=5 - n)))
    with app.app_context():
        assert service.schedule_periodic() == 1
    assert sorted(shop_orders(app)) == [7000, 7001, 7002]
    events = rows(app, WebhookEvent, source="reconcile")
    assert [(e.topic, e.status, e.order_id) for e in events] == [
        ("orders/create", "processed", 7000 + n) for n in range(3)]
    assert len(rows(app, OrderPromise)) == 3
    [run] = rows(app, ReconcileRun, kind="periodic")
    assert (run.status, run.pages, run.orders_seen, run.orders_applied, run.active_key) == ("done", 1, 3, 3, None)
    body = client.get("/api/reconcile/status", headers=bearer()).json
    assert body["latest"]["kind"] == "periodic" and body["latest"]["orders_applied"] == 3
    assert body["orders_applied_total"] == 3


def test_the_next_periodic_run_starts_where_the_last_began(app, client, shopify_orders):
    install(client)
    with app.app_context():
        service.schedule_periodic()
        service.schedule_periodic()
    first, second = rows(app, ReconcileRun, kind="periodic")
    assert second.since == first.started_at - service.OVERLAP
    assert shopify_orders.page_requests[-1]["query"].endswith(f"'{second.since.isoformat()[:19]}Z'")


def test_a_stale_order_is_updated_and_a_newer_local_one_is_kept(app, client, shopify_orders):
    install(client)
    older, newer = ago(minutes=30), ago(minutes=5)
    signed_webhook(client, "orders/updated", order_payload(order_node(7100, older, displayFinancialStatus="PAID")))
    signed_webhook(client, "orders/updated", order_payload(order_node(7101, newer, displayFinancialStatus="REFUNDED")))
    shopify_orders.put(order_node(7100, newer, displayFinancialStatus="REFUNDED"))
    shopify_orders.put(order_node(7101, older, displayFinancialStatus="PAID"))
    run = reconcile(app)
    orders = shop_orders(app)
    assert orders[7100].financial_status == "refunded" and orders[7100].updated_at == newer
    assert orders[7101].financial_status == "refunded" and orders[7101].updated_at == newer
    assert (run.orders_seen, run.orders_applied) == (2, 1)
    assert [(e.topic, e.order_id) for e in rows(app, WebhookEvent, source="reconcile")] == [("orders/updated", 7100)]


def test_an_order_delivered_by_webhook_then_reconciled_has_its_effects_once(app, client, shopify_orders,
                                                                            fake_shopify):
    install(client)
    node = order_node(7200, ago(minutes=20))
    signed_webhook(client, "orders/create", order_payload(node))
    tickets_before = len(rows(app, Ticket))
    shopify_orders.put(node)
    assert reconcile(app).orders_applied == 0  # the same version: nothing to feed
    shopify_orders.put(order_node(7200, ago(minutes=2), tags=["gift"]))
    assert reconcile(app).orders_applied == 1
    assert reconcile(app).orders_applied == 0
    assert shop_orders(app)[7200].tags == ["gift"]
    assert len(rows(app, OrderPromise)) == 1
    assert len(rows(app, Effect, kind="promise_metafields")) == 1
    assert len(fake_shopify.graphql_calls("metafieldsSet")) == 1
    assert len(rows(app, Ticket)) == tickets_before


def test_reconciling_one_shop_leaves_the_other_alone(app, client, shopify_orders):
    install(client)
    install(client, OTHER_SHOP)
    signed_webhook(client, "orders/updated", order_payload(order_node(7300, ago(minutes=1), email="b@beta.test")),
                   shop=OTHER_SHOP)
    shopify_orders.put(order_node(7300, ago(minutes=10), email="a@alpha.test"))
    assert reconcile(app, SHOP).orders_applied == 1
    assert shop_orders(app, SHOP)[7300].email == "a@alpha.test"
    assert shop_orders(app, OTHER_SHOP)[7300].email == "b@beta.test"
    assert {e.shop_domain for e in rows(app, WebhookEvent, source="reconcile")} == {SHOP}
    other = client.get("/api/reconcile/status", headers=bearer(OTHER_SHOP)).json
    assert other["latest"]["kind"] == "backfill" and other["orders_applied_total"] == 0
    with app.app_context():
        other_id = shops.get(domain=OTHER_SHOP).id
    assert [r.kind for r in rows(app, ReconcileRun, shop_id=other_id)] == ["backfill"]


def test_an_order_with_more_line_items_than_a_page_holds_is_stored_whole(app, client, shopify_orders):
    install(client)
    shopify_orders.put(order_node(7400, ago(minutes=3), line_items=23))
    assert reconcile(app).orders_applied == 1
    assert len(rows(app, LineItem)) == 23


def test_an_uninstalled_shop_is_not_reconciled(app, client, shopify_orders):
    install(client)
    with app.app_context():
        shop = shops.get(domain=SHOP)
        session().get(Shop, shop.id).uninstalled_at = ago(minutes=1)
        session().commit()
        assert service.schedule_periodic() == 0
    run = reconcile(app)
    assert (run.status, run.active_key) == ("failed", None) and "uninstalled" in run.error
    assert run.next_attempt_at is None


def test_the_status_needs_a_session_token(client):
    assert client.get("/api/reconcile/status").status_code == 401
