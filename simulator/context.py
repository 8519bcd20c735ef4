"""The one simulated store a running simulator holds, with everything its routes share."""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from simulator.delivery import Deliverer
from simulator.metafields import Metafields
from simulator.model import ShopInfo
from simulator.store import Events, Store
from simulator.tokens import TokenRegistry

DEFAULTS: dict[str, Any] = {
    "SHOP": "dev-store.myshopify.com",
    "APP_URL": "http://127.0.0.1:8000",
    "WEBHOOK_PATH": "/webhooks",
    "API_KEY": "dev-api-key",
    "API_SECRET": "dev-api-secret",
    "API_VERSION": "2026-10",
    "SCOPES": "read_orders,write_orders,read_products,read_fulfillments",
    "CURRENCY": "USD",
    "FIRST_ORDER_NUMBER": 1001,
    "SYNC_DELIVERY": False,
    "RETRY_DELAYS": (1, 5, 30),
    "WEBHOOK_TIMEOUT": 5.0,
    "ACCESS_TOKEN_TTL": 3600,
    "REFRESH_TOKEN_TTL": 7776000,
}
MAX_COST, RESTORE_RATE = 2000.0, 100.0


def shop_domain(shop: str) -> str:
    shop = shop.strip().lower()
    return shop if shop.endswith(".myshopify.com") else f"{shop}.myshopify.com"


class Throttle:
    """Shopify's leaky bucket of query cost points, reported in every answer's extensions.cost."""

    def __init__(self) -> None:
        self.available, self.stamp, self.lock = MAX_COST, time.monotonic(), threading.Lock()

    def allows(self, requested: int) -> bool:
        """Refill for the time passed, then check: a query costing more than what is left is refused."""
        with self.lock:
            now = time.monotonic()
            self.available = min(MAX_COST, self.available + (now - self.stamp) * RESTORE_RATE)
            self.stamp = now
            return self.available >= requested

    def charge(self, requested: int, actual: int | None) -> dict:
        """Spend `actual` points (None when refused) and report extensions.cost."""
        with self.lock:
            self.available -= actual or 0
            return {"requestedQueryCost": requested, "actualQueryCost": actual,
                    "throttleStatus": {"maximumAvailable": MAX_COST,
                                       "currentlyAvailable": int(self.available),
                                       "restoreRate": RESTORE_RATE}}


class Simulator:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = {**DEFAULTS, **config}
        cfg = self.config
        cfg["SHOP"] = shop_domain(cfg["SHOP"])
        cfg["APP_URL"] = cfg["APP_URL"].rstrip("/")
        self.shop = ShopInfo(cfg["SHOP"], cfg["CURRENCY"])
        self.store = Store(self.shop, cfg["FIRST_ORDER_NUMBER"])
        self.metafields = Metafields(self.store.ids)
        self.tokens = TokenRegistry(cfg["ACCESS_TOKEN_TTL"], cfg["REFRESH_TOKEN_TTL"])
        self.throttle = Throttle()
        self.deliverer = Deliverer(
            cfg["APP_URL"] + cfg["WEBHOOK_PATH"], cfg["SHOP"], cfg["API_SECRET"], cfg["API_VERSION"],
            retry_delays=cfg["RETRY_DELAYS"], timeout=cfg["WEBHOOK_TIMEOUT"],
            synchronous=cfg["SYNC_DELIVERY"],
        )

    def deliver(self, events: Events) -> None:
        """Send in the order a real store does, e.g. orders/paid before orders/updated."""
        for topic, payload in events:
            self.deliverer.emit(topic, payload)


def current() -> Simulator:
    return current_app.extensions["simulator"]
