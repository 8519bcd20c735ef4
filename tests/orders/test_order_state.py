"""Handlers keep a true copy of each order: newest wins, children before parents, every sample."""
from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.orders.models import Dispute, Fulfillment, FulfillmentEvent, LineItem, Order, Refund
from shop_plugin.shops.models import Shop
from tests.support import OTHER_SHOP, bearer, fixture, signed_webhook

SAMPLES = [
    ("orders/create", "orders_create.dev_store_2025.json"),
    ("orders/create", "orders_create.rest_fixture.json"),
    ("orders/updated", "orders_create.rest_fixture.json"),
    ("fulfillments/create", "fulfillments_create.rest_fixture.json"),
    ("fulfillments/update", "fulfillments_create.rest_fixture.json"),
    ("fulfillment_events/create", "fulfillment_events_create.rest_fixture.json"),
    ("disputes/create", "disputes_create.rest_fixture.json"),
    ("disputes/update", "disputes_create.rest_fixture.json"),
    ("refunds/create", "refunds_create.rest_fixture.json"),
    ("app/uninstalled", "app_uninstalled.rest_fixture.json"),
    ("customers/data_request", "customers_data_request.json"),
    ("customers/redact", "customers_redact.json"),
    ("shop/redact", "shop_redact.json"),
]


def rows(app, model, **where):
    with app.app_context():
        return list(session().scalars(select(model).filter_by(**where)))


def order_version(updated_at: str, **changes) -> dict:
    order = copy.deepcopy(fixture("orders_create.rest_fixture.json"))
    order.update(updated_at=updated_at, **changes)
    return order


@pytest.mark.parametrize("topic,sample", SAMPLES)
def test_every_real_sample_is_stored_and_processed(app, client, topic, sample):
    assert signed_webhook(client, topic, fixture(sample), webhook_id="sample").status_code == 200
    [event] = rows(app, WebhookEvent, webhook_id="sample") or [None]
    if topic == "shop/redact":
        assert event.status == "processed"
        return
    assert (event.status, event.error) == ("processed", None)


def test_an_order_is_stored_with_the_fields_later_features_need(app, client):
    signed_webhook(client, "orders/create", fixture("orders_create.rest_fixture.json"))
    [order] = rows(app, Order)
    assert order.name == "#1001" and order.email == "bob.norman@hostmail.com"
    assert order.destination_country == "US" and order.currency == "USD"
    assert order.total_price == Decimal("409.94") and isinstance(order.total_price, Decimal)
    assert order.customer_name == "Bob Norman"
    items = rows(app, LineItem, order_id=order.id)
    assert {i.sku for i in items} >= {"IPOD2008GREEN"}
    assert all(i.quantity >= 1 for i in items)


def test_the_dev_store_order_keeps_locale_tags_and_line_items(app, client):
    payload = fixture("orders_create.dev_store_2025.json")
    signed_webhook(client, "orders/create", payload)
    [order] = rows(app, Order)
    assert order.customer_locale == payload["customer_locale"]
    assert order.total_price == Decimal(payload["total_price"])
    assert len(rows(app, LineItem, order_id=order.id)) == len(payload["line_items"])
    assert rows(app, LineItem)[0].vendor == payload["line_items"][0]["vendor"]


def test_an_older_update_never_overwrites_newer_state(app, client):
    signed_webhook(client, "orders/updated", order_version("2026-11-20T12:00:00Z", financial_status="refunded"))
    signed_webhook(client, "orders/updated", order_version("2026-11-20T11:00:00Z", financial_status="paid"))
    [order] = rows(app, Order)
    assert order.financial_status == "refunded"


def test_a_newer_update_replaces_state_and_line_items(app, client):
    signed_webhook(client, "orders/updated", order_version("2026-11-20T11:00:00Z", tags="a, b"))
    newer = order_version("2026-11-20T12:00:00Z", tags="vip", fulfillment_status="fulfilled")
    newer["line_items"] = newer["line_items"][:1]
    signed_webhook(client, "orders/updated", newer)
    [order] = rows(app, Order)
    assert (order.tags, order.fulfillment_status) == (["vip"], "fulfilled")
    assert len(rows(app, LineItem)) == 1


def test_the_order_upsert_tells_a_new_order_from_an_update_where_the_database_can(app):
    from shop_plugin.db import dialect_name, upsert_newer_rows

    with app.app_context():
        s = session()
        shop = Shop(domain="upsert-shop.myshopify.com")
        s.add(shop)
        s.flush()

        def store(updated_at: str):
            values = {"shop_id": shop.id, "shopify_id": 42, "name": "#42",
                      "updated_at": datetime.fromisoformat(updated_at)}
            stored = upsert_newer_rows(s, Order.__table__, [values], ["shop_id", "shopify_id"], version="updated_at")
            return stored.get((shop.id, 42))

        first, second, older = store("2026-11-20T11:00:00+00:00"), store("2026-11-20T12:00:00+00:00"), \
            store("2026-11-20T10:00:00+00:00")
        assert first.id == second.id and older is None
        if dialect_name(s) == "postgresql":
            assert (first.new, second.new) == (True, False)
        else:  # SQLite cannot tell: callers treat the order as possibly known
            assert (first.new, second.new) == (None, None)


def test_unknown_enum_values_are_kept_as_text(app, client):
    signed_webhook(client, "orders/updated", order_version("2026-11-20T11:00:00Z", financial_status="beamed_up"))
    event = dict(fixture("fulfillment_events_create.rest_fixture.json"), status="teleported")
    signed_webhook(client, "fulfillment_events/create", event)
    assert rows(app, Order)[0].financial_status == "beamed_up"
    assert rows(app, FulfillmentEvent)[0].status == "teleported"


def test_a_fulfilment_before_its_order_is_kept_and_linked(app, client):
    fulfillment = fixture("fulfillments_create.rest_fixture.json")
    signed_webhook(client, "fulfillments/create", fulfillment)
    assert rows(app, Order) == []
    assert len(rows(app, Fulfillment)) == 1
    signed_webhook(client, "orders/create", fixture("orders_create.rest_fixture.json"))
    response = client.get(f"/api/orders/{fulfillment['order_id']}", headers=bearer())
    assert response.status_code == 200
    assert [f["id"] for f in response.json["fulfillments"]] == [fulfillment["id"]]
    assert response.json["fulfillments"][0]["tracking_number"] == "1Z2345"


def test_carrier_events_attach_to_their_fulfilment(app, client):
    order = fixture("orders_create.rest_fixture.json")
    fulfillment = fixture("fulfillments_create.rest_fixture.json")
    carrier_event = dict(fixture("fulfillment_events_create.rest_fixture.json"),
                         fulfillment_id=fulfillment["id"], order_id=None, status="in_transit")
    signed_webhook(client, "fulfillment_events/create", carrier_event)
    signed_webhook(client, "fulfillments/create", fulfillment)
    signed_webhook(client, "orders/create", order)
    body = client.get(f"/api/orders/{order['id']}", headers=bearer()).json
    assert body["fulfillments"][0]["events"] == [{"status": "in_transit", "happened_at": "2021-01-25T21:32:23Z"}]


def test_refunds_and_disputes_are_recorded_once(app, client):
    for _ in range(2):
        signed_webhook(client, "refunds/create", fixture("refunds_create.rest_fixture.json"))
        signed_webhook(client, "disputes/create", fixture("disputes_create.rest_fixture.json"))
    [refund] = rows(app, Refund)
    assert refund.amount == Decimal("209.00") and refund.currency == "USD"
    [dispute] = rows(app, Dispute)
    assert (dispute.type, dispute.status, dispute.order_shopify_id) == ("chargeback", "won", None)


def test_a_dispute_update_moves_its_status_forward_only(app, client):
    dispute = fixture("disputes_create.rest_fixture.json")
    signed_webhook(client, "disputes/update", dict(dispute, status="won"),
                   **{"X-Shopify-Triggered-At": "2026-11-21T10:00:00Z"})
    signed_webhook(client, "disputes/update", dict(dispute, status="needs_response"),
                   **{"X-Shopify-Triggered-At": "2026-11-20T10:00:00Z"})
    assert rows(app, Dispute)[0].status == "won"


def test_a_webhook_from_an_unknown_shop_creates_it_without_token(app, client):
    signed_webhook(client, "orders/create", fixture("orders_create.rest_fixture.json"), shop=OTHER_SHOP)
    [shop] = rows(app, Shop)
    assert shop.domain == OTHER_SHOP and not shop.is_installed


def test_app_uninstalled_marks_the_shop(app, client):
    signed_webhook(client, "app/uninstalled", fixture("app_uninstalled.rest_fixture.json"))
    [shop] = rows(app, Shop)
    assert shop.uninstalled_at is not None
