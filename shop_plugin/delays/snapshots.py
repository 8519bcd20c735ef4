"""Build rule snapshots for many orders with a handful of queries (the scan), or for one (webhooks)."""
from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Iterable

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from shop_plugin.db import built_once, dialect_name, pairs_filter, pairs_param, pairs_value
from shop_plugin.delays.rules import Shipment, Snapshot
from shop_plugin.orders.models import Fulfillment, FulfillmentEvent, Order
from shop_plugin.promises.models import OrderPromise

DEAD_FULFILMENTS = ("cancelled", "error", "failure")


def build(order, promise, fulfillments: Iterable, events: Iterable) -> Snapshot:
    """Rows or ORM objects alike: only the attributes the rules read are used."""
    if not fulfillments:  # most orders the scan looks at: nothing shipped yet
        return Snapshot(cancelled=order.cancelled_at is not None, refunded=order.financial_status == "refunded",
                        shipments=(), ship_by=promise.ship_by if promise else None,
                        deliver_to=promise.deliver_to if promise else None)
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


# the rules' columns, and what tickets and notices need of an order with a new breach (acting.Case)
ORDER_COLUMNS = (Order.shop_id, Order.shopify_id, Order.created_at, Order.cancelled_at, Order.financial_status,
                 Order.email, Order.customer_locale)
PROMISE_COLUMNS = (OrderPromise.shop_id, OrderPromise.order_shopify_id, OrderPromise.ship_by, OrderPromise.deliver_to)
FULFILMENT_COLUMNS = (Fulfillment.shop_id, Fulfillment.shopify_id, Fulfillment.order_shopify_id, Fulfillment.status,
                      Fulfillment.shipment_status, Fulfillment.tracking_number, Fulfillment.created_at)
EVENT_COLUMNS = (FulfillmentEvent.shop_id, FulfillmentEvent.fulfillment_shopify_id, FulfillmentEvent.status,
                 FulfillmentEvent.happened_at, FulfillmentEvent.created_at)
# An order's row with its promise's dates (None without a promise), as a named tuple (a Row's
# attributes are slow to read, and the scan reads each several times): both order and promise for `build`.
_ORDER, _PROMISE = Order.__table__.c, OrderPromise.__table__.c
ORDERS_WITH_PROMISES = select(*(_ORDER[c.key] for c in ORDER_COLUMNS), _PROMISE.ship_by, _PROMISE.deliver_to)\
    .select_from(Order.__table__.outerjoin(OrderPromise.__table__, and_(
        _PROMISE.shop_id == _ORDER.shop_id, _PROMISE.order_shopify_id == _ORDER.shopify_id)))
OrderRow = namedtuple("OrderRow", [c.key for c in ORDER_COLUMNS] + ["ship_by", "deliver_to"])


_ONE_PROMISE = select(*PROMISE_COLUMNS).where(OrderPromise.shop_id == bindparam("shop"),
                                              OrderPromise.order_shopify_id == bindparam("order"))
_ONE_ORDERS_FULFILMENTS = select(*FULFILMENT_COLUMNS).where(Fulfillment.shop_id == bindparam("shop"),
                                                            Fulfillment.order_shopify_id == bindparam("order"))
_THEIR_EVENTS = select(*EVENT_COLUMNS).where(
    FulfillmentEvent.shop_id == bindparam("shop"),
    FulfillmentEvent.fulfillment_shopify_id.in_(bindparam("ids", expanding=True)))


def for_order(s: Session, order) -> Snapshot:
    """One order's snapshot (webhooks): plain index lookups, statements built once."""
    key = {"shop": order.shop_id, "order": order.shopify_id}
    promise = s.execute(_ONE_PROMISE, key).first()
    fulfillments = s.execute(_ONE_ORDERS_FULFILMENTS, key).all()
    events = s.execute(_THEIR_EVENTS, {"shop": order.shop_id, "ids": [f.shopify_id for f in fulfillments]}).all() \
        if fulfillments else []
    return build(order, promise, fulfillments, events)


def load(s: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple]:
    """(shop id, order id) → (order row, snapshot) for every key whose order we hold.

    Two or three queries of plain rows (only the columns the rules read), however many orders:
    orders with their promises, fulfilments, and their carrier events if there are any."""
    keys = set(keys)
    if not keys:
        return {}
    exact = dialect_name(s) == "postgresql"  # pairs_param joins exactly; elsewhere keep only ours

    pairs = pairs_value(s, keys)

    def rows(name, statement, shop_column, order_column):  # statements built once, table columns (plain rows)
        stmt = built_once(s, f"delays.snapshots.{name}",
                          lambda s: pairs_param(s, statement(), shop_column, order_column))
        found = s.execute(stmt, pairs).all()
        return found if exact else [r for r in found if (r.shop_id, getattr(r, order_column.key)) in keys]

    orders = {(o.shop_id, o.shopify_id): o for o in map(OrderRow._make, rows(
        "orders", lambda: ORDERS_WITH_PROMISES, _ORDER.shop_id, _ORDER.shopify_id))}
    fulfillments: dict[tuple[int, int], list] = defaultdict(list)
    fulfilment = Fulfillment.__table__.c
    for f in rows("fulfillments", lambda: select(*(fulfilment[c.key] for c in FULFILMENT_COLUMNS)),
                  fulfilment.shop_id, fulfilment.order_shopify_id):
        fulfillments[(f.shop_id, f.order_shopify_id)].append(f)
    events: dict[tuple[int, int], list] = defaultdict(list)
    owner = {(f.shop_id, f.shopify_id): key for key, fs in fulfillments.items() for f in fs}
    if owner:
        stmt = pairs_filter(s, select(*EVENT_COLUMNS), FulfillmentEvent.shop_id,
                            FulfillmentEvent.fulfillment_shopify_id, owner)
        for e in s.execute(stmt):
            if (e.shop_id, e.fulfillment_shopify_id) in owner:
                events[owner[(e.shop_id, e.fulfillment_shopify_id)]].append(e)
    none = ()
    return {key: (order, build(order, order, fulfillments.get(key, none), events.get(key, none)))
            for key, order in orders.items()}
