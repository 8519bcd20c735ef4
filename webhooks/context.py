"""What a topic handler receives."""
from __future__ import annotations

from dataclasses import dataclass

from shop_plugin.events.models import WebhookEvent
from shop_plugin.shops.models import Shop


@dataclass
class HandlerContext:
    event: WebhookEvent  # as claimed: a plain row of webhook_events with the same attributes, read-only
    shop: Shop
    payload: dict
    order_id: int | None = None  # the Shopify order this event concerns, for redaction
