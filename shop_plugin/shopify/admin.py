"""Admin GraphQL from background jobs: a fresh token, shopifyapp's request, errors we can act on.

Shopify's cost bucket is per app and store, so each shop has a "not before" time, shared by every
process (`budget`): set from a throttled answer (Retry-After, or THROTTLED with its throttleStatus)
and from a success that leaves less in the bucket than the query cost. `graphql` waits for it
(sleeps out a short wait, raises Throttled for a long one); other shops never wait.
`graphql_with_cost` records it but leaves pacing to its caller. shopifyapp's own retries are off
(they sleep inside the call and choke on a fractional Retry-After): the effect outbox retries instead.
"""
from __future__ import annotations

import json
import time
from datetime import timedelta

from flask import current_app

from shop_plugin.effects.service import EffectRejected, RetryLater
from shop_plugin.shopify import budget, tokens
from shop_plugin.shopify.client import http_client, shop_handle, shopify
from shop_plugin.shops.models import Shop


def _throttle_wait(body: dict) -> timedelta:
    """How long until the bucket holds what the query asked for (Shopify reports both)."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 50) - float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50) or 50
    return timedelta(seconds=max(1.0, needed / rate))


class Throttled(RetryLater):
    """Shopify's cost bucket is empty; `after` is how long until it holds the query's cost."""

    spends_attempt = False  # nothing was done, and the wait is Shopify's own instruction


MAX_WAIT = 2.0  # seconds a call may sleep for its shop's bucket; longer waits go back to the caller


def _hold_off(domain: str, seconds: float) -> None:
    if seconds > 0:
        budget.for_app(current_app).hold_off(domain, time.time() + seconds)


def _wait_turn(domain: str) -> None:
    wait = budget.for_app(current_app).until(domain) - time.time()
    if wait > MAX_WAIT:
        raise Throttled(f"Admin API budget of {domain} spent for {wait:.1f} s more", timedelta(seconds=wait))
    if wait > 0:
        time.sleep(wait)


def _refill_wait(extensions: dict) -> float:
    """Seconds until the bucket again holds what this query cost (0 when it already does)."""
    cost = extensions.get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        needed = float(cost.get("requestedQueryCost") or 0) - float(status["currentlyAvailable"])
        return max(0.0, needed / float(status.get("restoreRate") or 50))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 0.0


def _retry_after(headers: dict) -> timedelta | None:
    value = {k.lower(): v for k, v in (headers or {}).items()}.get("retry-after")
    try:
        return timedelta(seconds=min(max(0.0, float(value)), 3600.0))
    except (TypeError, ValueError):
        return None


def graphql(shop: Shop, query: str, variables: dict | None = None) -> dict:
    """Run a query for the shop once its bucket has room; returns `data`. Raises RetryLater or EffectRejected."""
    _wait_turn(shop.domain)
    return graphql_with_cost(shop, query, variables)[0]


def graphql_with_cost(shop: Shop, query: str, variables: dict | None = None) -> tuple[dict, dict]:
    """Like `graphql`, with the answer's `extensions` (the query cost and throttle status) as well,
    and without waiting for the shop's bucket: the caller paces itself with them."""
    if shop.uninstalled_at is not None:
        raise EffectRejected(f"{shop.domain} has uninstalled the app")
    token, failed = tokens.fresh(shop=shop)
    if token is None:
        reason = failed.log.code if failed else "no offline token yet"
        raise RetryLater(f"no usable token for {shop.domain}: {reason}", timedelta(hours=1))
    result = shopify().admin_graphql_request(
        query, shop=shop_handle(shop.domain), access_token=token.token,
        api_version=current_app.config["SHOPIFY_API_VERSION"], variables=variables,
        invalid_token_response=None, http_client=http_client(), max_retries=0,
    )
    if result.ok:
        _hold_off(shop.domain, _refill_wait(result.extensions or {}))
        return result.data, result.extensions or {}
    answer = result.http_logs[-1].res if result.http_logs else result.response  # a 429's own headers
    try:
        body = json.loads(answer.body or "{}")
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or [] if isinstance(e, dict)}
    if "THROTTLED" in codes or result.response.status == 429:
        wait = _retry_after(answer.headers) or _throttle_wait(body)
        _hold_off(shop.domain, wait.total_seconds())
        raise Throttled("Admin API throttled", wait)
    if result.log.code == "unauthorized":
        raise RetryLater("Admin API unauthorized: the merchant must reopen the app", timedelta(hours=1))
    if result.log.code == "http_error_403" or "ACCESS_DENIED" in codes:
        raise RetryLater("Admin API access denied: the merchant has not approved a permission the app needs",
                         timedelta(hours=1))
    if result.log.code == "http_error_400":
        raise EffectRejected(f"Admin API refused the request as malformed: {result.response.body[:500]}")
    raise RuntimeError(f"Admin API {result.log.code}: {result.log.detail} {result.response.body[:500]}")
