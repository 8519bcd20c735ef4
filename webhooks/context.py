"""What a topic handler receives."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row

from shop_plugin.shops.models import Shop


@dataclass
class HandlerContext:
    event: Row  # the webhook_events row as claimed: every column as an attribute, read-only
    shop: Shop
    payload: dict
    order_id: int | None = None  # the Shopify order this event concerns, for redaction
