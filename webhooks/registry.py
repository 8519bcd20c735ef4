"""Topic → handler module. One module per topic in webhooks/handlers, found by name.

shopify.app.toml declares exactly these topics (a test keeps the two in step).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module

COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
TOPICS = (
    "app/uninstalled",
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/paid",
    "fulfillments/create",
    "fulfillments/update",
    "fulfillment_events/create",
    "refunds/create",
    "disputes/create",
    "disputes/update",
)

# Topics whose body names the shop they are about. Shopify signs the body, not the headers: a signed
# body replayed under another shop's X-Shopify-Shop-Domain must not erase or uninstall that shop.
BODY_SHOP_FIELD = {"customers/data_request": "shop_domain", "customers/redact": "shop_domain",
                   "shop/redact": "shop_domain", "app/uninstalled": "myshopify_domain"}


def module_name(topic: str) -> str:
    return "webhooks.handlers." + topic.replace("/", "_")


@cache
def handler_for(topic: str) -> Callable | None:
    """The handler for a topic, or None for a topic we do not subscribe to."""
    if topic not in TOPICS and topic not in COMPLIANCE_TOPICS:
        return None
    return import_module(module_name(topic)).handle


@cache
def batch_handler_for(topic: str) -> Callable | None:
    """The topic's `handle_many(contexts)`, which applies events of distinct orders together in one
    transaction, or None when its events are applied one by one."""
    if handler_for(topic) is None:
        return None
    return getattr(import_module(module_name(topic)), "handle_many", None)
