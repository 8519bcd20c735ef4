"""What customers see: the promise for a placed order, or for an order placed now."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shop_plugin.db import utcnow
from shop_plugin.promises import service
from shop_plugin.promises.settings import COUNTRY_RE, LOCALE_RE
from shop_plugin.promises.text import language, policy_blocks
from shop_plugin.promises.window import Item, order_window
from shop_plugin.shops.models import Shop


def clean_locale(value: str | None, fallback: str | None = "en") -> str | None:
    value = (value or "").replace("_", "-")
    return value if LOCALE_RE.match(value) else fallback


def clean_country(value: str | None) -> str | None:
    value = (value or "").upper()
    return value if COUNTRY_RE.match(value) else None


def for_order(s: Session, *, shop: Shop, order_id: int, locale: str | None, country: str | None) -> dict:
    """The stored promise; before the order's webhook arrives, a provisional one for now."""
    promise = service.get(s, shop=shop, order_shopify_id=order_id)
    if promise is None:
        return {**for_now(s, shop=shop, vendors=(), tags=(), country=country, locale=locale), "provisional": True}
    stored = service.promise_json(promise)
    settings, _ = service.get_settings(s, shop=shop)
    return {"provisional": False, "text": stored["text"], "locale": stored["locale"],
            **{k: stored[k] for k in ("ship_by", "deliver_from", "deliver_to")},
            "policies": stored["policies"] if not locale else policy_blocks(settings, locale, country)}


def for_now(s: Session, *, shop: Shop, vendors, tags, country: str | None, locale: str | None) -> dict:
    """The window for an order placed now, cached by everything it depends on: the settings,
    the items, the destination, the language, the shop's local day and the side of the cut-off."""
    settings, _ = service.get_settings(s, shop=shop)
    now = utcnow()
    local = now.astimezone(ZoneInfo(settings["timezone"]))
    after_cutoff = local.strftime("%H:%M") >= settings["cutoff"]
    digest = hashlib.blake2b(json.dumps(settings, sort_keys=True).encode(), digest_size=16).hexdigest()
    key = (digest, tuple(vendors), tuple(tags), country, locale, local.date(), after_cutoff)
    return dict(_cached(key, settings, now))


_CACHE: dict[tuple, dict] = {}
CACHE_SIZE = 4096


def _cached(key: tuple, settings: dict, now: datetime) -> dict:
    """Every input of the window is in the key, so an entry can never be stale."""
    cached = _CACHE.get(key)
    if cached is None:
        _, vendors, tags, country, locale, _, _ = key
        items = [Item(vendor=v, tags=tags) for v in vendors] or [Item(tags=tags)]
        window = order_window(settings, now, country, items)
        cached = {**service.describe(window, settings, locale, country), "locale": language(locale, settings)}
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = cached
    return cached
