"""Supplier rules matched by product tag apply to the promise stored for an order: order webhooks
carry no product tags, so they are read from Shopify for shops that have tag rules."""
from __future__ import annotations

import copy
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from shop_plugin.db import utcnow
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from tests.support import SHOP, bearer, fixture, session_token, signed_webhook

RULES = {"timezone": "Asia/Seoul", "cutoff": "14:00", "processing_days": [1, 3], "origin_country": "CN",
         "transit": [{"countries": ["*"], "days": [5, 8]}],
         "suppliers": [{"tag": "Made-To-Order", "processing_days": [15, 20]}]}
MADE_TO_ORDER, STOCKED = 632910392, 555000111


def order(order_id: int = 7001, products: tuple[int, ...] = (STOCKED, MADE_TO_ORDER)) -> dict:
    payload = copy.deepcopy(fixture("orders_create.rest_fixture.json"))
    payload.update(id=order_id, created_at="2027-03-02T10:00:00+09:00", updated_at="2027-03-02T10:00:00+09:00")
    payload["line_items"] = [dict(payload["line_items"][0], id=order_id * 10 + n, product_id=p, vendor="Acme")
                             for n, p in enumerate(products)]
    return payload


def tags_answer(body) -> httpx.Response:
    known = {f"gid://shopify/Product/{MADE_TO_ORDER}": ["made-to-order", "summer"],
             f"gid://shopify/Product/{STOCKED}": ["in-stock"]}
    return httpx.Response(200, json={"data": {"nodes": [
        {"id": gid, "tags": known[gid]} if gid in known else None for gid in body["variables"]["ids"]]}})


def setup(client, fake_shopify, rules: dict = RULES) -> None:
    assert client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}").status_code == 200
    assert client.put("/api/settings", json=rules, headers=bearer()).status_code == 200
    fake_shopify.on("ProductTags", tags_answer)


def promise(client, order_id: int) -> dict | None:
    return (client.get(f"/api/orders/{order_id}", headers=bearer()).json or {}).get("promise")


def test_a_product_tag_rule_sets_the_stored_promise(client, fake_shopify):
    setup(client, fake_shopify)
    signed_webhook(client, "orders/create", order())
    # 2027-03-02 before the cut-off: start that day; + 20 business days (CN) for the tagged product
    assert promise(client, 7001)["ship_by"] == "2027-03-30"
    [call] = fake_shopify.graphql_calls("ProductTags")
    assert sorted(call["variables"]["ids"]) == sorted(f"gid://shopify/Product/{p}" for p in (MADE_TO_ORDER, STOCKED))


def test_without_a_matching_tag_the_shop_defaults_apply(client, fake_shopify):
    setup(client, fake_shopify)
    signed_webhook(client, "orders/create", order(7002, products=(STOCKED,)))
    assert promise(client, 7002)["ship_by"] == "2027-03-05"


def test_a_shop_without_tag_rules_never_asks_shopify_for_tags(client, fake_shopify):
    setup(client, fake_shopify, {**RULES, "suppliers": [{"vendor": "Acme", "processing_days": [2, 4]}]})
    signed_webhook(client, "orders/create", order(7003))
    assert promise(client, 7003)["ship_by"] == "2027-03-08"
    assert fake_shopify.graphql_calls("ProductTags") == []


def test_while_tags_cannot_be_read_the_order_waits_and_its_last_attempt_promises_by_vendor(app, client,
                                                                                         fake_shopify):
    from shop_plugin.events import processing

    setup(client, fake_shopify)
    fake_shopify.handlers.insert(0, ("ProductTags", lambda body: httpx.Response(503, text="unavailable")))
    signed_webhook(client, "orders/create", order(7004), webhook_id="tags-down")
    with app.app_context():
        event = session().scalars(select(WebhookEvent).where(WebhookEvent.webhook_id == "tags-down")).one()
        assert (event.status, event.attempts) == ("failed", 1) and "product tags" in event.error
    assert promise(client, 7004) is None  # nothing of the order was written: it is retried whole
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    with app.app_context():
        session().execute(update(WebhookEvent).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session().commit()
        assert processing.process_event(event.id) == "processed"
    assert promise(client, 7004)["ship_by"] == "2027-03-05"  # the shop's default: tags still unknown
