"""The admin API's order document."""
from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision
from sqlalchemy.orm import Session

from shop_plugin.db import iso
from shop_plugin.notify import notices
from shop_plugin.orders.models import Order
from shop_plugin.orders.service import events_for, fulfillments_for
from shop_plugin.promises import service as promises
from shop_plugin.shops.models import Shop


def money_str(amount: Decimal | None, currency: str | None) -> str | None:
    """'12.34' for USD, '1200' for JPY: the currency's own number of decimals."""
    if amount is None:
        return None
    digits = get_currency_precision(currency) if currency else 2
    return str(amount.quantize(Decimal(1).scaleb(-digits)))


def order_json(s: Session, *, shop: Shop, order: Order) -> dict:
    events = events_for(s, shop=shop, order_shopify_id=order.shopify_id)
    return {
        "id": order.shopify_id,
        "name": order.name,
        "email": order.email,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "cancelled_at": iso(order.cancelled_at),
        "tags": order.tags or [],
        "currency": order.currency,
        "total_price": money_str(order.total_price, order.currency),
        "customer_locale": order.customer_locale,
        "destination_country": order.destination_country,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "promise": promises.promise_json(promises.get(s, shop=shop, order_shopify_id=order.shopify_id)),
        "notices": notices.for_order(s, shop=shop, order_id=order.shopify_id),
        "fulfillments": [
            {
                "id": f.shopify_id,
                "status": f.status,
                "shipment_status": f.shipment_status,
                "tracking_company": f.tracking_company,
                "tracking_number": f.tracking_number,
                "events": [
                    {"status": e.status, "happened_at": iso(e.happened_at)}
                    for e in events if e.fulfillment_shopify_id == f.shopify_id
                ],
            }
            for f in fulfillments_for(s, shop=shop, order_shopify_id=order.shopify_id)
        ],
    }
