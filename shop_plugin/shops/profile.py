"""The shop's own facts we need from Shopify (its IANA time zone), read once at install."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shop_plugin.effects.service import EffectRejected
from shop_plugin.extensions import session
from shop_plugin.shopify.admin import graphql
from shop_plugin.shops.models import Shop

SHOP_QUERY = "query ShopProfile { shop { ianaTimezone } }"


def sync(shop: Shop, payload: dict) -> dict:
    """Effect executor: store the shop's time zone (the default for cut-offs and SLAs)."""
    zone = ((graphql(shop, SHOP_QUERY) or {}).get("shop") or {}).get("ianaTimezone")
    try:
        ZoneInfo(zone or "")
    except (ZoneInfoNotFoundError, ValueError):
        raise EffectRejected(f"Shopify gave no usable time zone: {zone!r}") from None
    row = session().get(Shop, shop.id)
    row.timezone = zone
    session().commit()
    return {"timezone": zone}
