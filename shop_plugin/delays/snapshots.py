"""Build rule snapshots for many orders with a handful of queries (the scan) or for one."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.db import pairs_filter
from shop_plugin.delays.rules import Shipment, Snapshot
from shop_plugin.orders.models import Fulfillment, FulfillmentEvent, Order
from shop_plugin.promises.models import OrderPromise

DEAD_FULFILMENTS = ("cancelled", "error", "failure")


def build(order, promise, fulfillments: Iterable, events: Iterable) -> Snapshot:
    """Rows or ORM objects alike: only the attributes the rules read are used."""
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


ORDER_COLUMNS = (Order.shop_id, Order.shopify_id, Order.created_at, Order.cancelled_at, Order.financial_status)
PROMISE_COLUMNS = (OrderPromise.shop_id, OrderPromise.order_shopify_id, OrderPromise.ship_by, OrderPromise.deliver_to)
FULFILMENT_COLUMNS = (Fulfillment.shop_id, Fulfillment.shopify_id, Fulfillment.order_shopify_id, Fulfillment.status,
                      Fulfillment.shipment_status, Fulfillment.tracking_number, Fulfillment.created_at)
EVENT_COLUMNS = (FulfillmentEvent.shop_id, FulfillmentEvent.fulfillment_shopify_id, FulfillmentEvent.status,
                 FulfillmentEvent.happened_at, FulfillmentEvent.created_at)


def load(s: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple]:
    """(shop id, order id) → (order row, snapshot) for every key whose order we hold.

    Four queries of plain rows (only the columns the rules read), however many orders."""
    keys = set(keys)
    if not keys:
        return {}
    def rows(columns, shop_column, order_column):
        stmt = pairs_filter(s, select(*columns), shop_column, order_column, keys)
        return [r for r in s.execute(stmt) if (r.shop_id, getattr(r, order_column.key)) in keys]

    orders = {(o.shop_id, o.shopify_id): o for o in rows(ORDER_COLUMNS, Order.shop_id, Order.shopify_id)}
    promises = {(p.shop_id, p.order_shopify_id): p
                for p in rows(PROMISE_COLUMNS, OrderPromise.shop_id, OrderPromise.order_shopify_id)}
    fulfillments: dict[tuple[int, int], list] = defaultdict(list)
    for f in rows(FULFILMENT_COLUMNS, Fulfillment.shop_id, Fulfillment.order_shopify_id):
        fulfillments[(f.shop_id, f.order_shopify_id)].append(f)
    events: dict[tuple[int, int], list] = defaultdict(list)
    owner = {(f.shop_id, f.shopify_id): key for key, fs in fulfillments.items() for f in fs}
    if owner:
        stmt = pairs_filter(s, select(*EVENT_COLUMNS), FulfillmentEvent.shop_id,
                            FulfillmentEvent.fulfillment_shopify_id, owner)
        for e in s.execute(stmt):
            if (e.shop_id, e.fulfillment_shopify_id) in owner:
                events[owner[(e.shop_id, e.fulfillment_shopify_id)]].append(e)
    return {key: (order, build(order, promises.get(key), fulfillments[key], events[key]))
            for key, order in orders.items()}
