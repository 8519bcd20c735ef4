"""Each shop's Admin API bucket is one budget for the whole deployment, not one per process."""
from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest
from redis import Redis

from shop_plugin.shopify import admin, budget
from shop_plugin.shops import service as shops
from tests.chaos.state import install_token
from tests.support import OTHER_SHOP, SHOP

QUERY = "query { shop { id } }"


def test_a_throttle_one_process_saw_holds_back_every_process_for_that_shop_only(make_app, redis_env):
    calls = []

    def shopify(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        if request.url.host == SHOP:
            return httpx.Response(429, headers={"Retry-After": "30"})
        return httpx.Response(200, json={"data": {"shop": {"id": "gid://shopify/Shop/2"}}})

    web, worker = (make_app(env=redis_env, SHOPIFY_TRANSPORT=httpx.MockTransport(shopify)) for _ in range(2))
    install_token(web, SHOP)
    install_token(web, OTHER_SHOP)
    try:
        with web.app_context(), pytest.raises(admin.Throttled):
            admin.graphql(shops.get(domain=SHOP), QUERY)
        with worker.app_context():  # another process: it never asks Shopify, it knows to wait
            with pytest.raises(admin.Throttled) as held:
                admin.graphql(shops.get(domain=SHOP), QUERY)
            assert timedelta(seconds=25) < held.value.after <= timedelta(seconds=30)
            assert admin.graphql(shops.get(domain=OTHER_SHOP), QUERY) == {"shop": {"id": "gid://shopify/Shop/2"}}
        assert [host.split(".")[0] for host in calls] == ["alpha-store", "beta-store"]
    finally:
        Redis.from_url(redis_env["REDIS_URL"]).delete(f"{redis_env['RQ_QUEUE']}:shopify-not-before")


def test_a_later_hold_off_wins_and_an_earlier_one_never_shortens_it(redis_env):
    redis = Redis.from_url(redis_env["REDIS_URL"])
    key = f"{redis_env['RQ_QUEUE']}:shopify-not-before"
    first, second = budget.SharedHoldOffs(redis, key), budget.SharedHoldOffs(redis, key)
    now = time.time()
    try:
        first.hold_off(SHOP, now + 20)
        second.hold_off(SHOP, now + 5)
        assert first.until(SHOP) == second.until(SHOP) == pytest.approx(now + 20)
        assert second.until(OTHER_SHOP) == 0.0
    finally:
        redis.delete(key)


def test_without_redis_the_process_still_keeps_its_own_hold_offs():
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    holds = budget.SharedHoldOffs(unreachable, "nowhere")
    holds.hold_off(SHOP, time.time() + 10)
    assert holds.until(SHOP) > time.time() + 9


def test_one_process_without_redis_uses_a_dict(app):
    assert isinstance(budget.for_app(app), budget.LocalHoldOffs)
