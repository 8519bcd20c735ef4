"""Reconciliation: catch the orders whose webhooks never arrived, and import recent history on install.

Three ways a run starts: the install effect (a 60-day backfill, once per install), the hourly
fan-out (one periodic run per installed shop, from where the last finished run began), and an
operator at `flask reconcile`. Runs are jobs by id; the minutely sweep resumes any run that is
due again (deferred by the rate limit, failed and backing off, or abandoned by its worker).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin import jobs, work
from shop_plugin.db import insert_ignore, iso, utcnow
from shop_plugin.effects.service import EffectRejected
from shop_plugin.extensions import session
from shop_plugin.reconcile import feed, runner
from shop_plugin.reconcile.models import BACKFILL, DONE, MANUAL, PENDING, PERIODIC, ReconcileRun
from shop_plugin.shops import profile
from shop_plugin.shops import service as shops
from shop_plugin.shops.models import Shop

log = logging.getLogger(__name__)
BACKFILL_WINDOW = timedelta(days=60)
OVERLAP = timedelta(minutes=10)  # each periodic run re-reads a little of the last one's time
FIRST_LOOKBACK = timedelta(days=1)  # Shopify retries a failed delivery for 4 hours; late ones come within a day
SINGLE_KINDS = (BACKFILL, PERIODIC)  # at most one unfinished run of each per shop


def start(s: Session, *, shop: Shop, kind: str, since: datetime) -> tuple[int, bool]:
    """Create a run; for a backfill or periodic run, the shop's unfinished one of that kind if there is
    one. Returns (run id, created). The caller commits."""
    key = kind if kind in SINGLE_KINDS else None
    now = utcnow()
    values = {"shop_id": shop.id, "kind": kind, "active_key": key, "since": since, "status": PENDING, "attempts": 0,
              "pages": 0, "orders_seen": 0, "orders_applied": 0, "created_at": now, "next_attempt_at": now}
    for _ in range(2):  # the unfinished run may finish between our insert and our look-up: try once more
        run_id = insert_ignore(s, ReconcileRun.__table__, values, ["shop_id", "active_key"])
        if run_id is not None:
            return run_id, True
        existing = get_active(s, shop=shop, kind=key)
        if existing is not None:
            return existing.id, False
    raise RuntimeError(f"no {kind} run could be started or found for {shop.domain}")


def _enqueue(run_id: int) -> None:
    try:
        jobs.enqueue(resume, run_id)
    except Exception:  # noqa: BLE001 - the run row is durable; the sweep enqueues it
        log.exception("could not enqueue reconcile run %s; the sweep will", run_id)


def start_backfill(shop: Shop, payload: dict) -> dict:
    """Effect executor (once per install): import the last 60 days of orders, unless a backfill of
    this shop is still unfinished, which then simply goes on.

    The imported orders' promises count days in the shop's time zone, so it is read first when the
    install's profile effect has not stored it yet (they run side by side; that one may be failing)."""
    s = session()
    if shop.timezone is None:
        try:
            profile.sync(shop, {})
        except EffectRejected:
            log.warning("backfill of %s goes on without the shop's time zone", shop.domain)
    run_id, created = start(s, shop=shop, kind=BACKFILL, since=utcnow() - BACKFILL_WINDOW)
    s.commit()
    _enqueue(run_id)
    return {"run_id": run_id, "created": created}


def next_since(s: Session, *, shop: Shop, now: datetime) -> datetime:
    """Where a periodic run starts: a little before the last finished run began."""
    last = s.scalar(select(ReconcileRun.started_at).where(
        ReconcileRun.shop_id == shop.id, ReconcileRun.status == DONE, ReconcileRun.kind.in_(SINGLE_KINDS))
        .order_by(ReconcileRun.started_at.desc()).limit(1))
    return last - OVERLAP if last else now - FIRST_LOOKBACK


def schedule_periodic() -> int:
    """Periodic job (hourly): one reconciliation per installed shop whose backfill is over."""
    s, now, started = session(), utcnow(), 0
    for shop in shops.installed_shops():
        if get_active(s, shop=shop, kind=BACKFILL) is not None:
            continue
        run_id, _ = start(s, shop=shop, kind=PERIODIC, since=next_since(s, shop=shop, now=now))
        s.commit()
        _enqueue(run_id)
        started += 1
    return started


def start_by_operator(s: Session, *, shop: Shop, since: datetime | None, backfill: bool, now: datetime) -> int:
    """`flask reconcile`: a manual run from `since` (default: where the next periodic run would
    start), or the backfill (the unfinished one if there is one). Commits."""
    if backfill:
        run_id, _ = start(s, shop=shop, kind=BACKFILL, since=now - BACKFILL_WINDOW)
    else:
        run_id, _ = start(s, shop=shop, kind=MANUAL, since=since or next_since(s, shop=shop, now=now))
    s.commit()
    return run_id


def claim(run_id: int) -> ReconcileRun | None:
    """Take the run for this process if it is due, or its last worker's lease ran out (commits)."""
    return work.claim(session(), ReconcileRun, run_id, PENDING)


def resume(run_id: int) -> str | None:
    """Job: claim a run and work on it; hands over to a fresh job when its time budget is used."""
    if not claim(run_id):
        return None
    outcome = runner.advance(run_id)
    if outcome == runner.CONTINUE:
        _enqueue(run_id)
    return outcome


def sweep(limit: int = 100) -> int:
    """Periodic job (every minute): enqueue runs that are due again."""
    ids = work.due_ids(session(), ReconcileRun, PENDING, limit)
    for run_id in ids:
        _enqueue(run_id)
    return len(ids)


def get(s: Session, *, run_id: int) -> ReconcileRun | None:
    """One run by id."""
    return s.get(ReconcileRun, run_id, populate_existing=True)


def get_active(s: Session, *, shop: Shop, kind: str) -> ReconcileRun | None:
    """The shop's unfinished backfill or periodic run."""
    return s.scalars(select(ReconcileRun).where(ReconcileRun.shop_id == shop.id,
                                                ReconcileRun.active_key == kind)).one_or_none()


def latest(s: Session, *, shop: Shop, kind: str | None = None) -> ReconcileRun | None:
    """The shop's most recent run (of one kind)."""
    stmt = select(ReconcileRun).where(ReconcileRun.shop_id == shop.id)
    if kind:
        stmt = stmt.where(ReconcileRun.kind == kind)
    return s.scalars(stmt.order_by(ReconcileRun.id.desc()).limit(1)).one_or_none()


def run_json(run: ReconcileRun | None) -> dict | None:
    if run is None:
        return None
    waiting = run.status != DONE and not run.is_finished and run.locked_until is None
    return {"id": run.id, "kind": run.kind, "status": run.status, "running": not run.is_finished,
            "since": iso(run.since), "pages": run.pages, "orders_seen": run.orders_seen,
            "orders_applied": run.orders_applied, "total_estimate": run.total_estimate,
            "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
            "resumes_at": iso(run.next_attempt_at) if waiting else None, "error": run.error}


def backfill_progress(s: Session, *, shop: Shop) -> dict | None:
    """The shop's latest install backfill as the admin shows it (None before the first)."""
    return run_json(latest(s, shop=shop, kind=BACKFILL))


def progress(s: Session, *, shop: Shop) -> dict:
    """What the admin shows: the install backfill, the latest run, and the orders reconciliation applied."""
    return {"backfill": backfill_progress(s, shop=shop), "latest": run_json(latest(s, shop=shop)),
            "orders_applied_total": feed.applied_total(s, shop=shop)}
