"""One order and everything attached to it, as plain JSON (data requests, admin API)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.notify.models import Notice
from shop_plugin.orders.models import Dispute, LineItem, Order, Refund
from shop_plugin.orders.service import events_for, fulfillments_for
from shop_plugin.promises.models import OrderPromise
from shop_plugin.refunds.models import CustomerChoice, RefundPrompt
from shop_plugin.shops.models import Shop


def _plain(value):
    if isinstance(value, date):  # dates and datetimes
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


INTERNAL = ("id", "shop_id", "order_id", "order_shopify_id", "nonce", "idempotency_key", "settings_version")


def _row(obj, skip=INTERNAL) -> dict:
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
        # What the app told the customer and decided about the order: the promise shown, the delay
        # notices, the wait-or-refund offer and their choice, the refund prompts.
        "promise": next((_row(p) for p in by_order(OrderPromise)), None),
        "notices": [_row(n) for n in by_order(Notice)],
        "customer_choice": next((_row(c) for c in by_order(CustomerChoice)), None),
        "refund_prompts": [_row(p) for p in by_order(RefundPrompt)],
    }
