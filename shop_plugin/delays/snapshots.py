"""Build rule snapshots for many orders with a handful of queries (the scan) or for one."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.delays.rules import Shipment, Snapshot
from shop_plugin.orders.models import Fulfillment, FulfillmentEvent, Order
from shop_plugin.promises.models import OrderPromise

DEAD_FULFILMENTS = ("cancelled", "error", "failure")


def build(order: Order, promise: OrderPromise | None, fulfillments: Iterable[Fulfillment],
          events: Iterable[FulfillmentEvent]) -> Snapshot:
    by_fulfillment: dict[int, list] = defaultdict(list)
    for e in events:
        by_fulfillment[e.fulfillment_shopify_id].append(e)
    shipments = []
    for f in fulfillments:
        if f.status in DEAD_FULFILMENTS:
            continue
        mine = tuple(sorted(((e.status or "", e.happened_at or e.created_at or f.created_at)
                             for e in by_fulfillment[f.shopify_id]), key=lambda item: item[1]))
        delivered = f.shipment_status == "delivered" or any(status == "delivered" for status, _ in mine)
        shipments.append(Shipment(created_at=f.created_at or order.created_at, tracked=bool(f.tracking_number),
                                  events=mine, delivered=delivered))
    return Snapshot(cancelled=order.cancelled_at is not None, refunded=order.financial_status == "refunded",
                    shipments=tuple(shipments), ship_by=promise.ship_by if promise else None,
                    deliver_to=promise.deliver_to if promise else None)


def load(s: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[Order, Snapshot]]:
    """(shop id, order id) → (order, snapshot), for every key whose order we hold; five queries."""
    keys = set(keys)
    if not keys:
        return {}
    shop_ids, order_ids = {k[0] for k in keys}, {k[1] for k in keys}

    def rows(model, column):
        stmt = select(model).where(model.shop_id.in_(shop_ids), getattr(model, column).in_(order_ids))
        return [r for r in s.scalars(stmt) if (r.shop_id, getattr(r, column)) in keys]

    orders = {(o.shop_id, o.shopify_id): o for o in rows(Order, "shopify_id")}
    promises = {(p.shop_id, p.order_shopify_id): p for p in rows(OrderPromise, "order_shopify_id")}
    fulfillments: dict[tuple[int, int], list] = defaultdict(list)
    for f in rows(Fulfillment, "order_shopify_id"):
        fulfillments[(f.shop_id, f.order_shopify_id)].append(f)
    fids = {f.shopify_id for fs in fulfillments.values() for f in fs}
    events: dict[tuple[int, int], list] = defaultdict(list)
    if fids:
        owner = {(f.shop_id, f.shopify_id): key for key, fs in fulfillments.items() for f in fs}
        for e in s.scalars(select(FulfillmentEvent).where(FulfillmentEvent.shop_id.in_(shop_ids),
                                                          FulfillmentEvent.fulfillment_shopify_id.in_(fids))):
            if (e.shop_id, e.fulfillment_shopify_id) in owner:
                events[owner[(e.shop_id, e.fulfillment_shopify_id)]].append(e)
    return {key: (order, build(order, promises.get(key), fulfillments[key], events[key]))
            for key, order in orders.items()}
