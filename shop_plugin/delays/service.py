"""Check orders against their promise: on every relevant webhook and in the periodic scan."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore, utcnow
from shop_plugin.delays.models import OrderCheck
from shop_plugin.delays.rules import Shipment, Snapshot, evaluate
from shop_plugin.helpdesk import service as tickets
from shop_plugin.notify import notices
from shop_plugin.orders.models import Order
from shop_plugin.orders.service import events_for, fulfillments_for, get_order
from shop_plugin.promises import service as promises
from shop_plugin.shops.models import Shop

SELF_RESOLVING = ("late_dispatch", "no_tracking", "not_picked_up", "stalled")
PAGE = 500
# Orders older than this are history (backfills, replays): never chase them or email their customers.
WATCH_WINDOW = timedelta(days=90)


def _shipments(s: Session, shop: Shop, order: Order) -> tuple[Shipment, ...]:
    events = events_for(s, shop=shop, order_shopify_id=order.shopify_id)
    out = []
    for f in fulfillments_for(s, shop=shop, order_shopify_id=order.shopify_id):
        if f.status in ("cancelled", "error", "failure"):
            continue
        mine = tuple((e.status or "", e.happened_at or e.created_at or f.created_at)
                     for e in events if e.fulfillment_shopify_id == f.shopify_id)
        delivered = f.shipment_status == "delivered" or any(status == "delivered" for status, _ in mine)
        out.append(Shipment(created_at=f.created_at or order.created_at, tracked=bool(f.tracking_number),
                            events=tuple(sorted(mine, key=lambda e: e[1])), delivered=delivered))
    return tuple(out)


def snapshot(s: Session, *, shop: Shop, order: Order) -> Snapshot:
    promise = promises.get(s, shop=shop, order_shopify_id=order.shopify_id)
    return Snapshot(
        cancelled=order.cancelled_at is not None,
        refunded=order.financial_status == "refunded",
        shipments=_shipments(s, shop, order),
        ship_by=promise.ship_by if promise else None,
        deliver_to=promise.deliver_to if promise else None,
    )


def order_closed(s: Session, *, shop: Shop, order: Order) -> bool:
    snap = snapshot(s, shop=shop, order=order)
    return snap.cancelled or snap.refunded or snap.delivered


def shipped(s: Session, *, shop: Shop, order: Order) -> bool:
    return bool(_shipments(s, shop, order))


def check_order(s: Session, *, shop: Shop, order_id: int, now: datetime | None = None) -> dict[str, str]:
    """Evaluate one order and act on new breaches; returns the reasons that hold now.

    Runs inside the caller's transaction. The check row's `active_reasons` makes it act once
    per breach: a breach that clears and comes back later acts again."""
    now = now or utcnow()
    order = get_order(s, shop=shop, shopify_id=order_id)
    if order is None:
        return {}
    insert_ignore(s, OrderCheck.__table__, {"shop_id": shop.id, "order_shopify_id": order_id,
                                            "active_reasons": [], "state": "watching", "created_at": now},
                  ["shop_id", "order_shopify_id"])
    check = s.scalars(select(OrderCheck).where(OrderCheck.shop_id == shop.id, OrderCheck.order_shopify_id ==
                                               order_id).with_for_update()).one()
    if order.created_at is None or order.created_at < now - WATCH_WINDOW:
        check.state, check.next_check_at, check.checked_at = "archived", None, now
        return {}
    settings, _ = promises.get_settings(s, shop=shop)
    verdict = evaluate(snapshot(s, shop=shop, order=order), settings["delay_rules"], ZoneInfo(settings["timezone"]),
                       now)
    for reason in sorted(set(verdict.reasons) - set(check.active_reasons)):
        note = f"Detected {reason.replace('_', ' ')} at {now.isoformat(timespec='minutes')}: {verdict.reasons[reason]}."
        tickets.open_or_update(s, shop=shop, order_id=order_id, reason=reason, note=note, settings=settings, now=now,
                               tags=("delay",))
        notices.schedule(s, shop=shop, order=order, reason=reason)
    if verdict.closed_state == "delivered":
        tickets.resolve(s, shop=shop, order_id=order_id, reasons=SELF_RESOLVING, now=now,
                        note=f"Delivered; resolved automatically at {now.isoformat(timespec='minutes')}.")
    check.active_reasons = sorted(verdict.reasons)
    check.next_check_at = verdict.next_check_at
    check.state = verdict.closed_state or "watching"
    check.checked_at = now
    return verdict.reasons


def due_page(s: Session, *, now: datetime, after: tuple[datetime, int] | None, limit: int = PAGE) -> list[tuple]:
    """One keyset page of checks that are due, in (next_check_at, id) order; uses the index."""
    stmt = select(OrderCheck.next_check_at, OrderCheck.id, OrderCheck.shop_id, OrderCheck.order_shopify_id).where(
        OrderCheck.next_check_at <= now)
    if after is not None:
        stmt = stmt.where(or_(OrderCheck.next_check_at > after[0],
                              and_(OrderCheck.next_check_at == after[0], OrderCheck.id > after[1])))
    return list(s.execute(stmt.order_by(OrderCheck.next_check_at, OrderCheck.id).limit(limit)).all())


def scan(s: Session, *, now: datetime | None = None, limit: int = PAGE) -> dict[str, int]:
    """Check every due order of every installed shop, a page at a time, committing per order."""
    now = now or utcnow()
    checked = breaches = 0
    after = None
    while page := due_page(s, now=now, after=after, limit=limit):
        shops = {shop.id: shop for shop in s.scalars(select(Shop).where(
            Shop.id.in_({row.shop_id for row in page}), Shop.uninstalled_at.is_(None)))}
        for row in page:
            shop = shops.get(row.shop_id)
            if shop is not None:
                breaches += len(check_order(s, shop=shop, order_id=row.order_shopify_id, now=now))
                checked += 1
            s.commit()
        after = (page[-1].next_check_at, page[-1].id)
    return {"checked": checked, "breaches": breaches}


def scan_job() -> dict[str, int]:
    """Periodic job (every 15 minutes): the scan for all shops."""
    from shop_plugin.extensions import session

    return scan(session())
