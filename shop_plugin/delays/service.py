"""Check orders against their promise: on every relevant webhook and in the periodic scan."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, text, tuple_, update
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore, one_of, utcnow
from shop_plugin.delays import snapshots
from shop_plugin.delays.models import OrderCheck
from shop_plugin.delays.rules import Snapshot, Verdict, evaluate
from shop_plugin.helpdesk import service as tickets
from shop_plugin.notify import notices
from shop_plugin.orders.models import Order
from shop_plugin.orders.service import get_order
from shop_plugin.promises import service as promises
from shop_plugin.refunds import choices
from shop_plugin.refunds import cost as refund_cost
from shop_plugin.refunds import service as refunds
from shop_plugin.shops.models import Shop

SELF_RESOLVING = ("late_dispatch", "no_tracking", "not_picked_up", "stalled")
PAGE = 500
# Orders older than this are history (backfills, replays): never chase them or email their customers.
WATCH_WINDOW = timedelta(days=90)


def snapshot(s: Session, *, shop: Shop, order: Order) -> Snapshot:
    return snapshots.load(s, [(shop.id, order.shopify_id)])[(shop.id, order.shopify_id)][1]


def _ensure_check(s: Session, shop: Shop, order_id: int, now: datetime) -> OrderCheck:
    insert_ignore(s, OrderCheck.__table__, {"shop_id": shop.id, "order_shopify_id": order_id,
                                            "active_reasons": [], "state": "watching", "created_at": now},
                  ["shop_id", "order_shopify_id"])
    return s.scalars(select(OrderCheck).where(OrderCheck.shop_id == shop.id, OrderCheck.order_shopify_id ==
                                              order_id).with_for_update()).one()


def _judge(order: Order, snap: Snapshot, settings: dict, now: datetime) -> Verdict:
    if order.created_at is None or order.created_at < now - WATCH_WINDOW:
        return Verdict(closed_state="archived")
    rules = refund_cost.rules_of(settings)
    return evaluate(snap, settings["delay_rules"], ZoneInfo(settings["timezone"]), now, prompt_after={
        "past_promise_days": rules["past_promise_days"], "delivery_exception_days": rules["delivery_exception_days"]})


def _act(s: Session, *, shop: Shop, order: Order, verdict: Verdict, active: list[str], settings: dict,
         now: datetime) -> None:
    """Tickets and notices for breaches not acted on yet; self-resolving tickets on delivery."""
    for reason in sorted(set(verdict.reasons) - set(active)):
        note = f"Detected {reason.replace('_', ' ')} at {now.isoformat(timespec='minutes')}: {verdict.reasons[reason]}."
        tickets.open_or_update(s, shop=shop, order_id=order.shopify_id, reason=reason, note=note, settings=settings,
                               now=now, tags=("delay",))
        if not shop.predates_install(order.created_at):
            notices.schedule(s, shop=shop, order=order, reason=reason, settings=settings)
            choices.offer(s, shop=shop, order=order, reason=reason, settings=settings, now=now)
    for trigger in sorted(verdict.prompts - {m.removeprefix("prompt:") for m in active if m.startswith("prompt:")}):
        refunds.raise_prompt(s, shop=shop, order=order, trigger=trigger, settings=settings, now=now)
    if verdict.closed_state == "delivered" and "delivered" not in active:
        tickets.resolve(s, shop=shop, order_id=order.shopify_id, reasons=SELF_RESOLVING, now=now,
                        note=f"Delivered; resolved automatically at {now.isoformat(timespec='minutes')}.")


def _marks(verdict: Verdict) -> list[str]:
    """What the check row remembers: the breaches acted on (and delivery, so it resolves once)."""
    return (sorted(verdict.reasons) + sorted(f"prompt:{p}" for p in verdict.prompts)
            + (["delivered"] if verdict.closed_state == "delivered" else []))


def check_order(s: Session, *, shop: Shop, order_id: int, now: datetime | None = None,
                settings: dict | None = None, snap: Snapshot | None = None) -> dict[str, str]:
    """Evaluate one order and act on new breaches; returns the reasons that hold now.

    Runs inside the caller's transaction; the row lock on the check serialises racing callers.
    It is taken before the order is read: a caller that cannot see the order yet (its webhook is
    being applied) waits for it, so the last one to look sees everything both wrote.
    The scan passes the settings and snapshot it already loaded for the page."""
    now = now or utcnow()
    check = _ensure_check(s, shop, order_id, now)
    order = get_order(s, shop=shop, shopify_id=order_id)
    if order is None:
        return {}
    settings = settings or promises.get_settings(s, shop=shop)[0]
    verdict = _judge(order, snap or snapshot(s, shop=shop, order=order), settings, now)
    _act(s, shop=shop, order=order, verdict=verdict, active=check.active_reasons, settings=settings, now=now)
    check.active_reasons, check.next_check_at = _marks(verdict), verdict.next_check_at
    check.state, check.checked_at = verdict.closed_state or "watching", now
    return verdict.reasons


def due_page(s: Session, *, now: datetime, after: tuple[datetime, int] | None, limit: int = PAGE) -> list[tuple]:
    """One keyset page of checks that are due, in (next_check_at, id) order; uses the index."""
    stmt = select(OrderCheck.next_check_at, OrderCheck.id, OrderCheck.shop_id, OrderCheck.order_shopify_id).where(
        OrderCheck.next_check_at <= now)
    if after is not None:
        # a row-value comparison is one index range; the OR form re-reads earlier rows per page
        stmt = stmt.where(tuple_(OrderCheck.next_check_at, OrderCheck.id) > tuple_(after[0], after[1]))
    return list(s.execute(stmt.order_by(OrderCheck.next_check_at, OrderCheck.id).limit(limit)).all())


def scan(s: Session, *, now: datetime | None = None, limit: int = PAGE) -> dict[str, int]:
    """Check every due order of every installed shop, a page at a time.

    A page costs a handful of queries: rows are loaded together, judged in memory, and only
    orders with something new to act on take the per-order path (row lock, tickets, notices)."""
    now = now or utcnow()
    checked = breaches = 0
    after = None
    while page := due_page(s, now=now, after=after, limit=limit):
        after = (page[-1].next_check_at, page[-1].id)
        shops = {shop.id: shop for shop in s.scalars(select(Shop).where(
            one_of(s, Shop.id, {row.shop_id for row in page}), Shop.uninstalled_at.is_(None)))}
        settings = promises.settings_for(s, shops=list(shops.values()))
        loaded = snapshots.load(s, [(r.shop_id, r.order_shopify_id) for r in page if r.shop_id in shops])
        actives = dict(s.execute(select(OrderCheck.id, OrderCheck.active_reasons).where(
            one_of(s, OrderCheck.id, [r.id for r in page]))).all())
        updates = []
        for row in page:
            key = (row.shop_id, row.order_shopify_id)
            if key not in loaded:
                updates.append({"cid": row.id, "next": None, "active": [], "state": "gone"})
                continue
            order, snap = loaded[key]
            verdict = _judge(order, snap, settings[row.shop_id], now)
            if set(_marks(verdict)) - set(actives[row.id]):
                breaches += len(check_order(s, shop=shops[row.shop_id], order_id=order.shopify_id, now=now,
                                            settings=settings[row.shop_id], snap=snap))
            else:
                breaches += len(verdict.reasons)
                updates.append({"cid": row.id, "next": verdict.next_check_at, "active": _marks(verdict),
                                "state": verdict.closed_state or "watching"})
            checked += 1
        mark(s, updates, now)
        s.commit()
    return {"checked": checked, "breaches": breaches}


MARK_PG = text("""
    UPDATE order_checks AS c
    SET next_check_at = v.next_check_at, active_reasons = CAST(v.active AS JSON), state = v.state, checked_at = :now
    FROM unnest(CAST(:ids AS INTEGER[]), CAST(:nexts AS TIMESTAMPTZ[]), CAST(:actives AS TEXT[]),
                CAST(:states AS TEXT[])) AS v(id, next_check_at, active, state)
    WHERE c.id = v.id""")


def mark(s: Session, updates: list[dict], now: datetime) -> None:
    """Record a page of verdicts: one statement on PostgreSQL, executemany elsewhere."""
    if not updates:
        return
    if s.get_bind().dialect.name == "postgresql":
        s.execute(MARK_PG, {"now": now, "ids": [u["cid"] for u in updates], "nexts": [u["next"] for u in updates],
                            "actives": [json.dumps(u["active"]) for u in updates],
                            "states": [u["state"] for u in updates]})
        return
    checks = OrderCheck.__table__
    s.execute(update(checks).where(checks.c.id == bindparam("cid")).values(
        next_check_at=bindparam("next"), active_reasons=bindparam("active"), state=bindparam("state"),
        checked_at=now), updates)


def scan_job() -> dict[str, int]:
    """Periodic job (every 15 minutes): the scan for all shops."""
    from shop_plugin.extensions import session

    return scan(session())
