"""The tags of the products an order holds, for supplier rules matched by tag.

Order webhooks give each line item its product id and vendor, not its product's tags, so when a
shop has a supplier rule with a `tag`, the tags of the order's products are read from the Admin API
(`nodes`, read_products) as the order is promised. Shops without tag rules never make the call.
"""
from __future__ import annotations

import logging

import httpx

from shop_plugin.effects.service import EffectRejected, RetryLater
from shop_plugin.shopify.admin import graphql
from shop_plugin.shopify.client import legacy_id
from shop_plugin.shops.models import Shop

QUERY = "query ProductTags($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id tags } } }"
log = logging.getLogger(__name__)
PAGE = 250  # ids Shopify takes in one nodes query


class TagsUnavailable(RetryLater):
    """The product tags could not be read now; the order's promise waits for them."""


def has_tag_rules(settings: dict) -> bool:
    return any("tag" in rule for rule in settings.get("suppliers") or [])


def product_id(line_item: dict) -> int | None:
    raw = str(line_item.get("product_id") or "")
    return int(raw) if raw.isdigit() else None


def for_orders(orders: list[tuple[Shop, dict]], *, wait: bool) -> dict[tuple[int, int], tuple[str, ...]]:
    """(shop id, product id) → tags, for the products of these orders (of shops with tag rules), one
    lookup per shop. A shop whose tags cannot be read: TagsUnavailable with `wait`, else none and a
    warning (its orders are promised by vendor alone)."""
    wanted: dict[int, tuple[Shop, set[int]]] = {}
    for shop, payload in orders:
        ids = {product_id(li) for li in payload.get("line_items") or []} - {None}
        wanted.setdefault(shop.id, (shop, set()))[1].update(ids)
    found = {}
    for shop_id, (shop, ids) in wanted.items():
        try:
            found.update({(shop_id, product): tags for product, tags in lookup(shop, ids).items()})
        except TagsUnavailable as exc:
            if wait:
                raise
            log.warning("%s; promising its orders by vendor alone", exc)
    return found


def lookup(shop: Shop, ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Product id → its tags, for each of `ids` Shopify still has (a deleted product has none).
    Raises TagsUnavailable when Shopify cannot be asked or does not answer."""
    found: dict[int, tuple[str, ...]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), PAGE):
        gids = [f"gid://shopify/Product/{i}" for i in ordered[start:start + PAGE]]
        try:
            data = graphql(shop, QUERY, {"ids": gids})
        except (RetryLater, EffectRejected, RuntimeError, OSError, httpx.HTTPError) as exc:
            raise TagsUnavailable(f"product tags of {shop.domain} unavailable: {exc}", getattr(exc, "after", None)
                                  ) from exc
        for node in (data or {}).get("nodes") or []:
            product = legacy_id((node or {}).get("id"), "Product")
            if product is not None and isinstance(node.get("tags"), list):
                found[product] = tuple(str(t) for t in node["tags"])
    return found
