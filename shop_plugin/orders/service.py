"""Keep the local copy of orders true: idempotent upserts where the newest state wins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from shop_plugin.db import Stored, insert_ignore, one_of, upsert_newer, upsert_newer_rows
from shop_plugin.orders import payloads
from shop_plugin.orders.models import Dispute, Fulfillment, FulfillmentEvent, LineItem, Order, Refund
from shop_plugin.shops.models import Shop

KEY = ["shop_id", "shopify_id"]


def upsert_orders(s: Session, orders: list[tuple[Shop, dict]]) -> dict[tuple[int, int], Stored]:
    """Store order webhooks (shop, payload) of distinct orders, a few statements however many; the
    newest state wins. (shop id, Shopify order id) → the row id and whether the order is new to us
    (None when the database cannot tell), for those whose write won."""
    stored = upsert_newer_rows(s, Order.__table__, [
        {**payloads.order_values(payload), "shop_id": shop.id} for shop, payload in orders], KEY, version="updated_at")
    if not stored:
        return {}
    known = [row.id for row in stored.values() if row.new is not True]  # a new order has no line items to replace
    if known:
        s.execute(delete(LineItem).where(one_of(s, LineItem.order_id, known)))
    items, children = [], []
    for shop, payload in orders:
        row = stored.get((shop.id, int(payload["id"])))
        if row is None:
            continue
        items += [{**payloads.line_item_values(i), "shop_id": shop.id, "order_id": row.id}
                  for i in payload.get("line_items") or []]
        children.append((shop, payload))
    if items:
        s.execute(LineItem.__table__.insert(), items)
    for shop, payload in children:
        for fulfillment in payload.get("fulfillments") or []:
            upsert_fulfillment(s, shop=shop, payload=fulfillment, order_id=int(payload["id"]))
    return stored


def upsert_fulfillment(s: Session, *, shop: Shop, payload: dict, order_id: int | None = None) -> int | None:
    """Store a fulfilment, even before its order arrives (they join on the Shopify order id)."""
    values = {**payloads.fulfillment_values(payload, order_id), "shop_id": shop.id}
    return upsert_newer(s, Fulfillment.__table__, values, KEY, version="updated_at")


def add_fulfillment_event(s: Session, *, shop: Shop, payload: dict) -> int | None:
    """Store a carrier event; returns the Shopify id of its order (from the payload, else from the
    fulfilment), or None while neither is known."""
    values = {**payloads.fulfillment_event_values(payload), "shop_id": shop.id}
    if values["order_shopify_id"] is None:
        values["order_shopify_id"] = s.scalar(
            select(Fulfillment.order_shopify_id).where(
                Fulfillment.shop_id == shop.id, Fulfillment.shopify_id == values["fulfillment_shopify_id"]
            )
        )
    upsert_newer(s, FulfillmentEvent.__table__, values, KEY, version="updated_at")
    return values["order_shopify_id"]


def record_refund(s: Session, *, shop: Shop, payload: dict) -> int | None:
    """Store a refund once; Shopify refunds are immutable."""
    values = {**payloads.refund_values(payload), "shop_id": shop.id}
    return insert_ignore(s, Refund.__table__, values, KEY)


def upsert_dispute(s: Session, *, shop: Shop, payload: dict, seen_at: datetime) -> int | None:
    """Store a dispute; disputes carry no updated_at, so the webhook's trigger time orders them."""
    values = {**payloads.dispute_values(payload, seen_at), "shop_id": shop.id}
    return upsert_newer(s, Dispute.__table__, values, KEY, version="updated_at")


def get_order(s: Session, *, shop: Shop, shopify_id: int) -> Order | None:
    """One order of this shop by its Shopify id."""
    return s.scalars(select(Order).where(Order.shop_id == shop.id, Order.shopify_id == shopify_id)).one_or_none()


def fulfillments_for(s: Session, *, shop: Shop, order_shopify_id: int) -> list[Fulfillment]:
    return list(s.scalars(
        select(Fulfillment)
        .where(Fulfillment.shop_id == shop.id, Fulfillment.order_shopify_id == order_shopify_id)
        .order_by(Fulfillment.created_at, Fulfillment.id)
    ))


def events_for(s: Session, *, shop: Shop, order_shopify_id: int) -> list[FulfillmentEvent]:
    """Carrier events of an order, also those whose payload named only the fulfilment."""
    fulfillment_ids = select(Fulfillment.shopify_id).where(
        Fulfillment.shop_id == shop.id, Fulfillment.order_shopify_id == order_shopify_id
    )
    return list(s.scalars(
        select(FulfillmentEvent)
        .where(FulfillmentEvent.shop_id == shop.id)
        .where(or_(FulfillmentEvent.order_shopify_id == order_shopify_id,
                   FulfillmentEvent.fulfillment_shopify_id.in_(fulfillment_ids)))
        .order_by(FulfillmentEvent.happened_at, FulfillmentEvent.id)
    ))


def names_for(s: Session, *, shop: Shop, order_ids) -> dict[int, str]:
    """Order names ("#1001") by Shopify id, for lists that show them."""
    ids = {i for i in order_ids if i}
    if not ids:
        return {}
    return dict(s.execute(select(Order.shopify_id, Order.name).where(
        Order.shop_id == shop.id, Order.shopify_id.in_(ids))).all())
