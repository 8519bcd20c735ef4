"""Admin GraphQL from background jobs: a fresh token, shopifyapp's request, errors we can act on."""
from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app

from shop_plugin.effects.service import EffectRejected, RetryLater
from shop_plugin.shopify import tokens
from shop_plugin.shopify.client import http_client, shop_handle, shopify
from shop_plugin.shops.models import Shop


def _throttle_wait(body: dict) -> timedelta:
    """How long until the bucket holds what the query asked for (Shopify reports both)."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 50) - float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50) or 50
    return timedelta(seconds=max(1.0, needed / rate))


def graphql(shop: Shop, query: str, variables: dict | None = None) -> dict:
    """Run a query for the shop; returns `data`. Raises RetryLater or EffectRejected."""
    if shop.uninstalled_at is not None:
        raise EffectRejected(f"{shop.domain} has uninstalled the app")
    token, failed = tokens.fresh(shop=shop)
    if token is None:
        reason = failed.log.code if failed else "no offline token yet"
        raise RetryLater(f"no usable token for {shop.domain}: {reason}", timedelta(hours=1))
    result = shopify().admin_graphql_request(
        query, shop=shop_handle(shop.domain), access_token=token.token,
        api_version=current_app.config["SHOPIFY_API_VERSION"], variables=variables,
        invalid_token_response=None, http_client=http_client(),
    )
    if result.ok:
        return result.data
    try:
        body = json.loads(result.response.body or "{}")
    except ValueError:
        body = {}
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or [] if isinstance(e, dict)}
    if "THROTTLED" in codes or result.response.status == 429:
        raise RetryLater("Admin API throttled", _throttle_wait(body))
    if result.log.code in ("unauthorized", "forbidden"):
        raise RetryLater(f"Admin API {result.log.code}: the merchant must reopen the app", timedelta(hours=1))
    raise RuntimeError(f"Admin API {result.log.code}: {result.log.detail} {result.response.body[:500]}")
