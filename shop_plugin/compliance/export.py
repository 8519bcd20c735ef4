"""One order and everything attached to it, as plain JSON (data requests, admin API)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.orders.models import Dispute, LineItem, Order, Refund
from shop_plugin.orders.service import events_for, fulfillments_for
from shop_plugin.shops.models import Shop


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def _row(obj, skip=("id", "shop_id", "order_id")) -> dict:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


def order_export(s: Session, *, shop: Shop, order: Order) -> dict:
    by_order = lambda model: s.scalars(select(model).where(  # noqa: E731
        model.shop_id == shop.id, model.order_shopify_id == order.shopify_id))
    return {
        **_row(order),
        "line_items": [_row(li) for li in s.scalars(select(LineItem).where(LineItem.order_id == order.id))],
        "fulfillments": [_row(f) for f in fulfillments_for(s, shop=shop, order_shopify_id=order.shopify_id)],
        "fulfillment_events": [_row(e) for e in events_for(s, shop=shop, order_shopify_id=order.shopify_id)],
        "refunds": [_row(r) for r in by_order(Refund)],
        "disputes": [_row(d) for d in by_order(Dispute)],
    }
