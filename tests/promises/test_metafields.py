"""The promise is written to app-owned order metafields once, retried when Shopify says wait."""
from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from shop_plugin.db import utcnow
from shop_plugin.effects import service as effects
from shop_plugin.effects.models import Effect
from shop_plugin.events import processing
from shop_plugin.extensions import session
from tests.support import SHOP, fixture, session_token, signed_webhook

ORDER = dict(fixture("orders_create.rest_fixture.json"), created_at="2026-11-24T10:00:00+09:00")
THROTTLED = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
             "extensions": {"cost": {"requestedQueryCost": 10, "actualQueryCost": None,
                                     "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 0,
                                                        "restoreRate": 100.0}}}}


def install(client) -> None:
    assert client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}").status_code == 200


def the_effect(app) -> Effect:
    with app.app_context():
        return session().scalars(select(Effect).where(Effect.kind == "promise_metafields")).one()


def run_due(app) -> None:
    with app.app_context():
        session().execute(update(Effect).where(Effect.kind == "promise_metafields")
                          .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session().commit()
        processing.sweep()


def test_a_new_order_writes_its_promise_metafields_once(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", ORDER)
    signed_webhook(client, "orders/updated", dict(ORDER, updated_at="2026-11-25T00:00:00Z"))
    [call] = fake_shopify.graphql_calls("metafieldsSet")
    fields = {m["key"]: m for m in call["variables"]["metafields"]}
    assert set(fields) == {"promise", "promise_text"}
    assert fields["promise"]["namespace"] == "$app:shippromise" and fields["promise"]["type"] == "json"
    assert fields["promise"]["ownerId"] == f"gid://shopify/Order/{ORDER['id']}"
    assert json.loads(fields["promise"]["value"])["ship_by"]
    effect = the_effect(app)
    assert effect.status == "done" and len(effect.result["metafields"]) == 2
    with app.app_context():
        assert effects.run(effect.id) is None  # a second run finds nothing to do
    assert len(fake_shopify.graphql_calls("metafieldsSet")) == 1


def test_throttling_waits_as_long_as_shopify_says_then_succeeds(app, client, fake_shopify):
    install(client)
    fake_shopify.graphql_replies.append(httpx.Response(200, json=THROTTLED))
    signed_webhook(client, "orders/create", ORDER)
    effect = the_effect(app)
    assert effect.status == "failed" and "throttled" in effect.error
    assert effect.next_attempt_at <= utcnow() + timedelta(seconds=2)
    run_due(app)
    assert the_effect(app).status == "done"
    assert len(fake_shopify.graphql_calls("metafieldsSet")) == 2


def test_user_errors_fail_the_write_for_good(app, client, fake_shopify):
    install(client)
    refused = {"data": {"metafieldsSet": {"metafields": None,
                                          "userErrors": [{"field": ["value"], "message": "bad", "code": "INVALID"}]}}}
    fake_shopify.graphql_replies.append(httpx.Response(200, json=refused))
    signed_webhook(client, "orders/create", ORDER)
    effect = the_effect(app)
    assert effect.status == "failed" and effect.next_attempt_at is None and "INVALID" in effect.error


def test_a_server_error_is_retried_with_backoff(app, client, fake_shopify):
    install(client)
    fake_shopify.graphql_replies.append(httpx.Response(500))
    signed_webhook(client, "orders/create", ORDER)
    effect = the_effect(app)
    assert effect.status == "failed" and effect.next_attempt_at > utcnow() + timedelta(seconds=20)
    run_due(app)
    assert the_effect(app).status == "done"


def test_an_order_before_install_is_written_once_the_shop_has_a_token(app, client, fake_shopify):
    signed_webhook(client, "orders/create", ORDER)
    assert the_effect(app).status == "failed"
    assert fake_shopify.graphql_calls("metafieldsSet") == []
    install(client)
    run_due(app)
    assert the_effect(app).status == "done"


def test_an_uninstalled_shop_gets_no_writes(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "app/uninstalled", fixture("app_uninstalled.rest_fixture.json"))
    signed_webhook(client, "orders/create", ORDER)
    effect = the_effect(app)
    assert effect.status == "failed" and effect.next_attempt_at is None
    assert fake_shopify.graphql_calls("metafieldsSet") == []
