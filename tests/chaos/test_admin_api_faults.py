"""Shopify's Admin API throttling (429 + Retry-After, THROTTLED), failing (5xx) or timing out:
calls back off and succeed later, each shop's bucket is respected without holding up other shops,
and nothing is written twice (metafields once per order, one refund per idempotency key)."""
from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from shop_plugin.db import utcnow
from shop_plugin.events import processing
from shop_plugin.extensions import session
from shop_plugin.refunds.models import RefundPrompt
from tests.chaos import state
from tests.chaos.harness import POSTGRES
from tests.support import OTHER_SHOP, SHOP, bearer, fixture, signed_webhook

pytestmark = [pytest.mark.services, POSTGRES]
ORDER = fixture("orders_create.rest_fixture.json")


class Shopify:
    """FakeShopify behind a script of faults per (shop, operation), with every GraphQL call's time
    and answer recorded; `buckets` gives a shop a leaky bucket that answers THROTTLED when empty."""

    def __init__(self, fake) -> None:
        self.fake = fake
        self.faults: dict[tuple[str, str], list] = defaultdict(list)
        self.calls: list[tuple[str, str, float, int]] = []  # shop, operation, time, status (0: no answer)
        self.buckets: dict[str, dict] = {}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def writes(self, shop: str, operation: str = "metafieldsSet") -> list[float]:
        return [at for s, op, at, status in self.calls if (s, op) == (shop, operation) and status == 200]

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/graphql.json"):
            return self.fake.handle(request)
        shop, body = request.url.host, json.loads(request.content)
        operation = next((op for op in ("metafieldsSet", "refundCreate") if op in body["query"]), "query")
        script = self.faults[(shop, operation)]
        fault = script.pop(0) if script else self._bucketed
        answer = fault(request) if callable(fault) else fault
        self.calls.append((shop, operation, time.monotonic(), 0 if answer is None else answer.status_code))
        if answer is None:
            raise httpx.ReadTimeout("no answer in time", request=request)
        return answer

    def _bucketed(self, request: httpx.Request) -> httpx.Response:
        shop = request.url.host
        bucket = self.buckets.get(shop)
        if bucket is None:
            return self.fake.handle(request)
        now = time.monotonic()
        bucket["available"] = min(bucket["size"], bucket["available"] + (now - bucket["at"]) * bucket["rate"])
        bucket["at"] = now
        status = {"maximumAvailable": bucket["size"], "currentlyAvailable": bucket["available"],
                  "restoreRate": bucket["rate"]}
        cost = {"requestedQueryCost": bucket["cost"], "throttleStatus": status}
        if bucket["available"] < bucket["cost"]:
            return httpx.Response(200, json={"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED"}}], "extensions": {"cost": cost}})
        bucket["available"] -= bucket["cost"]
        status["currentlyAvailable"] = bucket["available"]
        return httpx.Response(200, json={**json.loads(self.fake.handle(request).content), "extensions": {"cost": cost}})


@pytest.fixture
def shopify(fake_shopify) -> Shopify:
    return Shopify(fake_shopify)


@pytest.fixture
def app(make_app, shopify):
    app = make_app(SHOPIFY_TRANSPORT=shopify.transport())
    for shop in (SHOP, OTHER_SHOP):
        state.install_token(app, shop)
    return app


def order(app, order_id: int, shop: str = SHOP) -> None:
    payload = dict(ORDER, id=order_id, admin_graphql_api_id=f"gid://shopify/Order/{order_id}")
    assert signed_webhook(app.test_client(), "orders/create", payload, shop=shop).status_code == 200


def sweep_when_due(app) -> None:
    state.make_due(app)
    with app.app_context():
        processing.sweep()


def metafield_effects(app) -> dict[str, tuple]:
    return {e.key: (e.status, e.attempts) for e in state.effects(app, kind="promise_metafields")}


def test_a_429_holds_back_that_shop_for_its_retry_after_and_no_other(app, shopify):
    shopify.faults[(SHOP, "metafieldsSet")].append(httpx.Response(429, headers={"Retry-After": "2.5"}))
    order(app, 1)
    throttled_at = shopify.calls[-1][2]
    order(app, 2)  # the same shop, at once: no call at all, it waits its turn
    order(app, 3, shop=OTHER_SHOP)  # another shop: written at once
    assert metafield_effects(app) == {"1": ("failed", 0), "2": ("failed", 0), "3": ("done", 1)}
    assert [c[:2] for c in shopify.calls if c[0] == SHOP] == [(SHOP, "metafieldsSet")]
    time.sleep(0.6)
    sweep_when_due(app)  # the rest of the wait is slept out, then both go through
    assert metafield_effects(app) == {"1": ("done", 1), "2": ("done", 1), "3": ("done", 1)}
    writes = shopify.writes(SHOP)
    assert len(writes) == 2 and min(writes) >= throttled_at + 2.5


def test_a_shop_throttled_more_often_than_the_retry_limit_still_gets_each_write_once(app, shopify):
    shopify.faults[(SHOP, "metafieldsSet")] += [httpx.Response(429, headers={"Retry-After": "0.05"})] * 10
    order(app, 4)
    for _ in range(15):
        if metafield_effects(app)["4"][0] == "done":
            break
        sweep_when_due(app)
    assert metafield_effects(app) == {"4": ("done", 1)}
    calls = [at for shop, _, at, _ in shopify.calls if shop == SHOP]
    assert len(calls) == 11 and len(shopify.writes(SHOP)) == 1
    assert all(later - earlier >= 0.05 for earlier, later in zip(calls, calls[1:], strict=False))


def test_the_cost_bucket_paces_a_burst_so_shopify_never_has_to_throttle(app, shopify):
    """12 writes of cost 10 from a bucket of 40 refilling 50 a second: the last 8 each wait for it."""
    shopify.buckets[SHOP] = {"size": 40.0, "available": 40.0, "rate": 50.0, "cost": 10.0, "at": time.monotonic()}
    for n in range(12):
        order(app, 100 + n)
    assert [status for shop, _, _, status in shopify.calls if shop == SHOP] == [200] * 12
    assert set(metafield_effects(app).values()) == {("done", 1)} and len(shopify.writes(SHOP)) == 12


def test_server_errors_and_timeouts_back_off_and_write_once(app, shopify):
    shopify.faults[(SHOP, "metafieldsSet")] += [httpx.Response(500), httpx.Response(502), httpx.Response(503),
                                                lambda request: None]
    order(app, 5)
    [effect] = state.effects(app)
    assert effect.status == "failed" and effect.next_attempt_at > utcnow() + timedelta(seconds=20)
    for _ in range(4):
        sweep_when_due(app)
    assert metafield_effects(app) == {"5": ("done", 5)}
    assert [status for _, _, _, status in shopify.calls] == [500, 502, 503, 0, 200]


AUTO = {"refund_rules": {"automatic": {"enabled": True, "triggers": ["inquiry"],
                                       "max_order_amount": "100.00", "max_per_day": 5}}}


def test_a_refund_whose_answer_is_lost_is_retried_with_its_key_and_made_once(app, shopify, fake_shopify):
    def applied_then_lost(request):
        fake_shopify.handle(request)  # Shopify makes the refund; the answer never arrives
        return None

    shopify.faults[(SHOP, "refundCreate")].append(applied_then_lost)
    client = app.test_client()
    assert client.put("/api/settings", json=AUTO, headers=bearer()).status_code == 200
    now = "2026-11-20T10:00:00+00:00"
    order_payload = dict(ORDER, id=6, total_price="80.00", financial_status="paid", fulfillments=[], refunds=[],
                         admin_graphql_api_id="gid://shopify/Order/6", created_at=now, updated_at=now)
    assert signed_webhook(client, "orders/create", order_payload).status_code == 200
    dispute = dict(fixture("disputes_create.rest_fixture.json"), id=66, order_id=6, type="inquiry",
                   status="needs_response", amount="80.00", initiated_at=now)
    assert signed_webhook(client, "disputes/create", dispute).status_code == 200
    [refund] = state.effects(app, kind="automatic_refund")
    assert refund.status == "failed"
    sweep_when_due(app)
    [refund] = state.effects(app, kind="automatic_refund")
    assert refund.status == "done"
    with app.app_context():
        [prompt] = session().scalars(select(RefundPrompt)).all()
    assert prompt.status == "refunded" and prompt.refund_shopify_id == refund.result["refund_id"]
    assert len(fake_shopify.refunds_by_key) == 1 and len(shopify.writes(SHOP, "refundCreate")) == 1
    keys = {c["query"].split('key: "')[1].split('"')[0] for c in fake_shopify.graphql_calls("refundCreate")}
    assert keys == set(fake_shopify.refunds_by_key)
