"""Check orders against their promise: on every relevant webhook and in the periodic scan."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import Integer, Text, bindparam, cast, select, text, tuple_, update
from sqlalchemy.orm import Session

from shop_plugin.db import built_once, dialect_insert, dialect_name, hold_writes, ids_param, ids_value, one_of, utcnow
from shop_plugin.delays import acting, snapshots
from shop_plugin.delays.models import OrderCheck
from shop_plugin.delays.rules import RuleSet, Snapshot, Verdict, evaluate
from shop_plugin.extensions import session
from shop_plugin.orders.models import Order
from shop_plugin.promises import service as promises
from shop_plugin.refunds import cost as refund_cost
from shop_plugin.shops.models import Shop

# Checks a scan page holds (one transaction). Fewer, larger pages spend less on statements and commits:
# on the 1,000,000-order benchmark 1,000 scanned about a quarter faster than 500; a page is held ≈ 0.1 s.
PAGE = 1000
WORKERS = 2  # sessions scanning at once on PostgreSQL: one judges while the other waits for the database
# Orders older than this are history (backfills, replays): never chase them or email their customers.
WATCH_WINDOW = timedelta(days=90)


def snapshot(s: Session, *, shop: Shop, order: Order) -> Snapshot:
    return snapshots.for_order(s, order)


def _ensure_checks(s: Session, keys: list[tuple[int, int]], now: datetime) -> dict[tuple[int, int], tuple]:
    """(shop id, order id) → its check row (plain: id, active_reasons), created if new, each locked
    until this transaction ends: one statement. Taken in key order, as every caller does, so two
    transactions checking overlapping orders never wait for each other in a circle."""
    rows = s.execute(built_once(s, "delays.ensure_check", _ensure_check_statement), [
        {"shop_id": shop_id, "order_shopify_id": order_id, "active_reasons": [], "state": "watching",
         "created_at": now} for shop_id, order_id in sorted(keys)]).all()
    return {(row.shop_id, row.order_shopify_id): row for row in rows}


def _ensure_check_statement(s: Session):
    # An existing row is "updated" to itself: the upsert then returns it, row-locked as by SELECT … FOR UPDATE.
    stmt = dialect_insert(s, OrderCheck.__table__)
    stmt = stmt.on_conflict_do_update(index_elements=["shop_id", "order_shopify_id"],
                                      set_={"shop_id": stmt.excluded.shop_id})
    c = OrderCheck.__table__.c
    return stmt.returning(c.id, c.shop_id, c.order_shopify_id, c.active_reasons)


def judge(settings: dict) -> Callable[[Order, Snapshot, datetime], Verdict]:
    """The shop's verdicts: its rules, time zone and refund-prompt delays worked out once, then
    applied to any number of its orders (the scan judges a page with one per shop)."""
    rules, tz, refund = RuleSet.of(settings["delay_rules"]), ZoneInfo(settings["timezone"]), \
        refund_cost.rules_of(settings)
    prompt_after = {"past_promise_days": refund["past_promise_days"],
                    "delivery_exception_days": refund["delivery_exception_days"]}

    def verdict(order: Order, snap: Snapshot, now: datetime) -> Verdict:
        if order.created_at is None or order.created_at < now - WATCH_WINDOW:
            return Verdict(closed_state="archived")
        return evaluate(snap, rules, tz, now, prompt_after=prompt_after)

    return verdict


def _marks(verdict: Verdict) -> list[str]:
    """What the check row remembers: the breaches acted on (and delivery, so it resolves once)."""
    if not verdict.reasons and not verdict.prompts and verdict.closed_state != "delivered":
        return []  # most orders the scan looks at
    return (sorted(verdict.reasons) + sorted(f"prompt:{p}" for p in verdict.prompts)
            + (["delivered"] if verdict.closed_state == "delivered" else []))


def check_order(s: Session, *, shop: Shop, order_id: int, now: datetime | None = None) -> dict[str, str]:
    """Evaluate one order and act on new breaches; returns the reasons that hold now (see `check_orders`)."""
    return check_orders(s, [(shop, order_id)], now=now).get((shop.id, order_id), {})


def check_orders(s: Session, orders: list[tuple[Shop, int]], *, now: datetime | None = None
                 ) -> dict[tuple[int, int], dict[str, str]]:
    """Evaluate orders (shop, Shopify order id) and act on new breaches, in a few statements however
    many: (shop id, order id) → the reasons that hold now, for each order we hold.

    Runs inside the caller's transaction; the row lock on each order's check serialises racing callers.
    It is taken before the order is read: a caller that cannot see the order yet (its webhook is
    being applied) waits for it, so the last one to look sees everything both wrote."""
    now = now or utcnow()
    shops = {shop.id: shop for shop, _ in orders}
    checks = _ensure_checks(s, list({(shop.id, order_id) for shop, order_id in orders}), now)
    loaded = snapshots.load(s, checks)  # plain rows, as the scan reads
    verdicts, cases, updates = {}, [], defaultdict(list)
    judges: dict[int, tuple[dict, Callable]] = {}
    for key in dict.fromkeys((shop.id, order_id) for shop, order_id in orders):  # in the caller's order
        if key not in loaded:
            continue
        check = checks[key]
        order, snap = loaded[key]
        shop = shops[key[0]]
        if shop.id not in judges:
            settings = promises.get_settings(s, shop=shop)[0]
            judges[shop.id] = (settings, judge(settings))
        settings, verdict_of = judges[shop.id]
        verdict = verdicts[key] = verdict_of(order, snap, now)
        cases.append(acting.Case(shop, order, verdict, check.active_reasons, settings))
        updates[(verdict.next_check_at, tuple(_marks(verdict)), verdict.closed_state or "watching")].append(check.id)
    acting.act(s, cases, now)
    mark(s, updates, now)
    return {key: verdict.reasons for key, verdict in verdicts.items()}


_CHECK, _SHOP = OrderCheck.__table__.c, Shop.__table__.c  # table columns: plain rows, no ORM loading on top
_DUE = select(_CHECK.next_check_at, _CHECK.id, _CHECK.shop_id, _CHECK.order_shopify_id,
              cast(_CHECK.active_reasons, Text).label("active_json")).where(
    _CHECK.next_check_at <= bindparam("now", type_=_CHECK.next_check_at.type)).order_by(
    _CHECK.next_check_at, _CHECK.id).limit(bindparam("limit", type_=Integer))
# a row-value comparison is one index range; the OR form re-reads earlier rows per page
_DUE_AFTER = _DUE.where(tuple_(_CHECK.next_check_at, _CHECK.id) > tuple_(
    bindparam("after_at", type_=_CHECK.next_check_at.type), bindparam("after_id", type_=Integer)))
_DUE_PAGES = {(after, hold): (_DUE_AFTER if after else _DUE).with_for_update(skip_locked=True) if hold
              else (_DUE_AFTER if after else _DUE) for after in (False, True) for hold in (False, True)}


def due_page(s: Session, *, now: datetime, after: tuple[datetime, int] | None, limit: int = PAGE,
             hold: bool = False) -> list[tuple]:
    """One keyset page of checks that are due, in (next_check_at, id) order; uses the index.
    Rows of (next_check_at, id, shop_id, order_shopify_id, active_json).

    `hold`: the page is this transaction's until it ends, like the row lock of `check_order`,
    so the orders are read after it is taken. PostgreSQL locks the page's rows, skipping rows
    that a webhook or another scan holds (concurrent scans share the work); SQLite, with one
    writer at a time, takes the write lock before reading."""
    if hold:
        hold_writes(s)
    params = {"now": now, "limit": limit}
    if after is not None:
        params.update(after_at=after[0], after_id=after[1])
    return list(s.execute(_DUE_PAGES[(after is not None, hold)], params).all())


def scan(s: Session, *, now: datetime | None = None, limit: int = PAGE, workers: int | None = None) -> dict[str, int]:
    """Check every due order of every installed shop, a page at a time, one transaction a page.

    A page costs a handful of statements however many of its orders slipped: the page (held, see
    `due_page`), which of its shops are installed (`KnownShops`), the orders' rows, tickets and
    notices for every new breach of the page together (`acting.act`), one statement marking it.
    On PostgreSQL `workers` sessions (WORKERS unless given) take pages side by side, each page
    held by one of them: while one waits for the database another judges its page."""
    now = (now or utcnow()).astimezone(UTC)  # the rules compare UTC instants (the fast kind of comparison)
    if workers is None:
        workers = WORKERS if dialect_name(s) == "postgresql" and has_app_context() else 1
    if workers <= 1:
        return _scan_pages(s, now, limit)
    app = current_app._get_current_object()

    def helper() -> dict[str, int]:
        with app.app_context():
            return _scan_pages(session(), now, limit)

    with ThreadPoolExecutor(workers - 1, thread_name_prefix="delay-scan") as pool:
        others = [pool.submit(helper) for _ in range(workers - 1)]
        totals = [_scan_pages(s, now, limit)] + [other.result() for other in others]
    return {key: sum(total[key] for total in totals) for key in ("checked", "breaches")}


def _scan_pages(s: Session, now: datetime, limit: int) -> dict[str, int]:
    """Take due pages until none is left that another session does not hold."""
    checked = breaches = 0
    after, known = None, KnownShops(s)
    while page := due_page(s, now=now, after=after, limit=limit, hold=True):
        after = (page[-1].next_check_at, page[-1].id)
        # rows unpacked, not read by name: a Row's attributes are slow, and a page has a thousand
        shops = known.installed({shop_id for _, _, shop_id, _, _ in page})
        loaded = snapshots.load(s, [(shop_id, order_id) for _, _, shop_id, order_id, _ in page if shop_id in shops])
        cases, updates = [], defaultdict(list)
        for _, check_id, shop_id, order_id, active_json in page:
            if (shop_id, order_id) not in loaded:
                updates[(None, (), "gone")].append(check_id)
                continue
            order, snap = loaded[(shop_id, order_id)]
            shop, settings, verdict_of = shops[shop_id]
            verdict = verdict_of(order, snap, now)
            marks = _marks(verdict)
            active = [] if active_json == "[]" else json.loads(active_json)
            if marks and not set(marks) <= set(active):
                cases.append(acting.Case(shop, order, verdict, active, settings))
            breaches += len(verdict.reasons)
            updates[(verdict.next_check_at, tuple(marks), verdict.closed_state or "watching")].append(check_id)
            checked += 1
        acting.act(s, cases, now)
        mark(s, updates, now)
        s.commit()
    s.commit()  # the empty last page: let go of what it held
    return {"checked": checked, "breaches": breaches}


class KnownShops:
    """The shops one scan has met, each with its settings and verdicts (`judge`), loaded once a
    scan: a settings change applies from the next scan. Whether they are still installed is
    asked on every page."""

    def __init__(self, s: Session) -> None:
        self.s, self.known = s, {}

    def installed(self, ids: set[int]) -> dict[int, tuple[Shop, dict, Callable]]:
        live = set(self.s.scalars(built_once(self.s, "delays.installed", lambda s: select(_SHOP.id).where(
            ids_param(s, _SHOP.id, "ids"), _SHOP.uninstalled_at.is_(None))), {"ids": ids_value(self.s, ids)}))
        if new := live - self.known.keys():
            shops = list(self.s.scalars(select(Shop).where(one_of(self.s, Shop.id, new))))
            settings = promises.settings_for(self.s, shops=shops)
            self.known.update({shop.id: (shop, settings[shop.id], judge(settings[shop.id])) for shop in shops})
        return {shop_id: self.known[shop_id] for shop_id in live}


MARK_PG = text("""
    UPDATE order_checks AS c
    SET next_check_at = v.next_check_at, active_reasons = v.active, state = v.state, checked_at = :now
    FROM json_to_recordset(CAST(:groups AS JSON)) AS v(ids INTEGER[], next_check_at TIMESTAMPTZ, active JSON,
                                                       state TEXT)
    WHERE c.id = ANY(v.ids)""")


def mark(s: Session, updates: dict[tuple[datetime | None, tuple[str, ...], str], list[int]], now: datetime) -> None:
    """Record a page of verdicts, given as (next check, marks, state) → check ids (a page's orders
    share few dates). PostgreSQL: one statement, the groups as one JSON parameter (psycopg dumps
    arrays of timestamps and texts element by element, ten times slower); elsewhere one a group."""
    if not updates:
        return
    if dialect_name(s) == "postgresql":
        s.execute(MARK_PG, {"now": now, "groups": json.dumps([
            {"ids": ids, "next_check_at": next_at.isoformat() if next_at else None, "active": marks, "state": state}
            for (next_at, marks, state), ids in updates.items()])})
        return
    checks = OrderCheck.__table__
    for (next_at, marks, state), ids in updates.items():
        s.execute(update(checks).where(checks.c.id.in_(ids)).values(
            next_check_at=next_at, active_reasons=list(marks), state=state, checked_at=now))


def scan_job() -> dict[str, int]:
    """Periodic job (every 15 minutes): the scan for all shops."""
    return scan(session())
