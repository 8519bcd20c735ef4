"""What customers see: the promise for a placed order, or for an order placed now."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cachetools import TTLCache
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.db import utcnow
from shop_plugin.orders.models import Order
from shop_plugin.promises import service
from shop_plugin.promises.calendar import NoBusinessDay
from shop_plugin.promises.models import OrderPromise
from shop_plugin.promises.settings import COUNTRY_RE, LOCALE_RE
from shop_plugin.promises.text import language, policy_blocks
from shop_plugin.promises.window import Item, before_cutoff, order_window
from shop_plugin.shops.models import Shop

log = logging.getLogger(__name__)


def clean_locale(value: str | None, fallback: str | None = "en") -> str | None:
    value = (value or "").replace("_", "-")
    return value if LOCALE_RE.match(value) else fallback


def clean_country(value: str | None) -> str | None:
    value = (value or "").upper()
    return value if COUNTRY_RE.match(value) else None


@dataclass(frozen=True)
class StorefrontShop:
    """What the storefront endpoints need of an installed shop, held briefly per process."""

    id: int
    domain: str
    timezone: str | None
    settings: dict
    digest: str  # of the settings: the key of every window computed from them
    named: frozenset[tuple[str, str]]  # ("vendor" | "tag", lower-case name) of each supplier rule


def _named(settings: dict) -> frozenset[tuple[str, str]]:
    return frozenset((key, rule[key].strip().lower()) for rule in settings["suppliers"]
                     for key in ("vendor", "tag") if key in rule)


PROMISE_CACHE_SECONDS = 300


def _caches() -> dict:
    """Per app (each test builds its own): installed shops for STOREFRONT_CACHE_SECONDS, and stored
    promises (which never change once written) with what proves a page is the buyer's, for
    PROMISE_CACHE_SECONDS: a customer redaction or an order moved to another customer shows within it."""
    caches = current_app.extensions.get("storefront_caches")
    if caches is None:
        ttl = current_app.config.get("STOREFRONT_CACHE_SECONDS", 0)
        caches = current_app.extensions["storefront_caches"] = {
            "shops": TTLCache(maxsize=20_000, ttl=ttl) if ttl > 0 else None,
            "promises": TTLCache(maxsize=50_000,
                                 ttl=current_app.config.get("PROMISE_CACHE_SECONDS", PROMISE_CACHE_SECONDS)),
        }
    return caches


def installed_shop(db: Callable[[], Session], *, domain: str) -> StorefrontShop | None:
    """The installed shop and its effective settings; a settings change or an uninstall shows
    within STOREFRONT_CACHE_SECONDS (the responses themselves are cacheable for minutes).
    `db` gives the database session, asked for only when the cache misses."""
    cache = _caches()["shops"]
    found = cache.get(domain) if cache is not None else None
    if found is None:
        s = db()
        shop = s.scalars(select(Shop).where(Shop.domain == domain)).one_or_none()
        if shop is None or not shop.is_installed:
            return None
        settings, _ = service.get_settings(s, shop=shop)
        digest = hashlib.blake2b(json.dumps(settings, sort_keys=True).encode(), digest_size=16).hexdigest()
        found = StorefrontShop(id=shop.id, domain=shop.domain, timezone=shop.timezone, settings=settings,
                               digest=digest, named=_named(settings))
        if cache is not None:
            cache[domain] = found
    return found


def forget(domain: str) -> None:
    """This process drops its copy of the shop (settings saved here); other processes within the TTL."""
    cache = current_app.extensions.get("storefront_caches", {}).get("shops")
    if cache is not None:
        cache.pop(domain, None)


@dataclass(frozen=True)
class StoredPromise:
    """An order's promise as the storefront shows it, and what proves a page is the order's buyer's."""

    body: dict
    confirmation_number: str | None
    customer_id: int | None

    def shown_to(self, *, confirmation: str | None, customer_id: int | None) -> bool:
        """The page holds the order's confirmation number (the thank-you and order status pages both
        have it), or its session token names the order's customer. Order ids run in sequence, so the
        id alone proves nothing."""
        if self.confirmation_number and confirmation and hmac.compare_digest(  # bytes: any text compares
                self.confirmation_number.upper().encode(), confirmation.upper().encode()):
            return True
        return self.customer_id is not None and self.customer_id == customer_id


def _stored_promise(db: Callable[[], Session], shop: StorefrontShop, order_id: int) -> StoredPromise | None:
    cache = _caches()["promises"]
    stored = cache.get((shop.id, order_id))
    if stored is None:
        row = db().execute(
            select(OrderPromise, Order.confirmation_number, Order.customer_id)
            .join(Order, (Order.shop_id == OrderPromise.shop_id) & (Order.shopify_id == OrderPromise.order_shopify_id))
            .where(OrderPromise.shop_id == shop.id, OrderPromise.order_shopify_id == order_id)).one_or_none()
        if row is None:
            return None  # not cached: it appears when the order's webhook has been processed
        stored = cache[(shop.id, order_id)] = StoredPromise(service.promise_json(row[0]), row[1], row[2])
    return stored


def for_order(db: Callable[[], Session], *, shop: StorefrontShop, order_id: int, locale: str | None,
              country: str | None, confirmation: str | None = None, customer_id: int | None = None) -> dict:
    """The stored promise, to the order's buyer; before the order's webhook arrives, or to a page that
    does not prove it is the buyer's, a provisional one for an order placed now (the same answer, so
    it tells nothing about which orders exist)."""
    stored = _stored_promise(db, shop, order_id)
    if stored is None or not stored.shown_to(confirmation=confirmation, customer_id=customer_id):
        return {**for_now(shop=shop, vendors=(), tags=(), country=country, locale=locale), "provisional": True}
    body = stored.body
    return {"provisional": False, "text": body["text"], "locale": body["locale"],
            **{k: body[k] for k in ("ship_by", "deliver_from", "deliver_to")},
            "policies": body["policies"] if not locale else _policies(shop, locale, country)}


def for_now(*, shop: StorefrontShop, vendors, tags, country: str | None, locale: str | None) -> dict:
    """The window for an order placed now, cached by everything it depends on: the settings,
    the items, the destination, the language, the shop's local day and the side of the cut-off.
    Of the items, only the vendors and tags a supplier rule names change the window (a product may
    have 250 tags): only those are kept."""
    settings = shop.settings
    now = utcnow()
    local = now.astimezone(ZoneInfo(settings["timezone"]))
    early = before_cutoff(now, settings["timezone"], settings["cutoff"])  # as the window judges it
    vendors = sorted({v for v in vendors if ("vendor", v.strip().lower()) in shop.named})
    tags = sorted({t for t in tags if ("tag", t.strip().lower()) in shop.named})
    key = (shop.digest, tuple(vendors), tuple(tags), country, locale, local.date(), early)
    return dict(_remember(_CACHE, key, lambda: _window(key, settings, now)))


_CACHE: dict[tuple, dict] = {}  # windows
_POLICIES: dict[tuple, list[dict]] = {}  # policy blocks
CACHE_SIZE = 4096


def _remember(cache: dict, key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, once per key. Every input is in the key (the settings by their digest), so an
    entry can never be stale; a full cache starts again empty."""
    found = cache.get(key)
    if found is None:
        found = compute()
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = found
    return found


def _policies(shop: StorefrontShop, locale: str, country: str | None) -> list[dict]:
    """The policies in the page's language."""
    return _remember(_POLICIES, (shop.digest, locale, country), lambda: policy_blocks(shop.settings, locale, country))


def _window(key: tuple, settings: dict, now: datetime) -> dict:
    _, vendors, tags, country, locale, _, _ = key
    items = [Item(vendor=v, tags=tags) for v in vendors] or [Item(tags=tags)]
    try:
        window = order_window(settings, now, country, items)
    except NoBusinessDay as exc:  # no window to show; the policies still are
        log.warning("no promise on the storefront of shop %s: %s", key[0], exc)
        window = None
    return {**service.describe(window, settings, locale, country), "locale": language(locale, settings)}
