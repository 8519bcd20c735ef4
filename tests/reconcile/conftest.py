"""Fixtures: the shop's orders at Shopify, answering the app's reconciliation queries."""
from __future__ import annotations

import pytest

from shop_plugin.reconcile import runner
from shop_plugin.shopify import admin
from tests.reconcile.support import FakeTime, ShopifyOrders


@pytest.fixture
def shopify_orders(fake_shopify) -> ShopifyOrders:
    orders = ShopifyOrders()
    fake_shopify.on("query ReconcileOrdersCount(", orders.count)
    fake_shopify.on("query ReconcileOrderLineItems(", orders.line_items)
    fake_shopify.on("query ReconcileOrders(", orders.page)
    return orders


@pytest.fixture
def small_pages(monkeypatch) -> int:
    """Three orders a page, so paging is exercised with few orders."""
    monkeypatch.setattr(runner, "ORDERS_PER_PAGE", 3)
    return 3


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    """One injected clock for the run's pacing and for the Admin API client's per-shop hold-off."""
    fake = FakeTime()
    monkeypatch.setattr(admin, "time", fake, raising=False)
    return fake
