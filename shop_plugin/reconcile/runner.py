"""One reconciliation run, a page at a time: fetch orders updated since the run's time, in update
order, feed the stale ones through the webhook pipeline, and commit the cursor with each page.

A crash loses at most the page in flight: the next claim resumes from the stored cursor, and
events stored for a page are deduplicated by order version. Waits for Shopify's cost bucket
shorter than `Pace.max_sleep` happen in place; longer ones defer the run to the sweeper.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from shop_plugin import work
from shop_plugin.db import utcnow
from shop_plugin.effects.service import EffectRejected
from shop_plugin.extensions import session
from shop_plugin.reconcile import adapter, feed
from shop_plugin.reconcile.models import DONE, PENDING, ReconcileRun
from shop_plugin.reconcile.queries import (
    LINE_ITEMS_PER_PAGE,
    ORDER_LINE_ITEMS,
    ORDERS_COUNT,
    ORDERS_PAGE,
    ORDERS_PER_PAGE,
    updated_since,
)
from shop_plugin.reconcile.throttle import Bucket
from shop_plugin.shopify.admin import Throttled, graphql_with_cost
from shop_plugin.shops.models import Shop

log = logging.getLogger(__name__)
MAX_SLEEP = 10.0  # a job waits this long in place for the bucket; a longer wait defers the run
JOB_BUDGET = 120.0  # seconds of work per job, well inside RQ's job timeout; then a fresh job goes on
MAX_THROTTLED = 5  # throttled answers in a row before the run steps aside
MAX_ATTEMPTS = 8  # failures in a row (no page got through) before a run is parked as dead
CONTINUE, DEFERRED = "continue", "deferred"


@dataclass
class Pace:
    """How a run waits: injected so tests (and the CLI) control time."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    max_sleep: float | None = MAX_SLEEP  # None: always wait in place (an operator at the CLI)
    budget: float | None = JOB_BUDGET  # None: run to the end in this process
    bucket: Bucket = field(default_factory=Bucket)


class Deferred(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"waiting {seconds:.0f} s for Shopify's rate limit")
        self.seconds = seconds


class Runner:
    def __init__(self, s: Session, run: ReconcileRun, shop: Shop, pace: Pace) -> None:
        self.s, self.run, self.shop, self.pace = s, run, shop, pace
        self.started = pace.clock()

    def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.pace.max_sleep is not None and seconds > self.pace.max_sleep:
            raise Deferred(seconds)
        self.pace.sleep(seconds)

    def call(self, query: str, variables: dict) -> dict:
        """One paced GraphQL call; throttled answers are waited out a few times, then the run defers."""
        for _ in range(MAX_THROTTLED):
            self._wait(self.pace.bucket.wait_for(self.pace.clock()))
            try:
                data, extensions = graphql_with_cost(self.shop, query, variables)
            except Throttled as exc:
                self._wait(exc.after.total_seconds() if exc.after else 1.0)
                continue
            self.pace.bucket.observe(extensions, self.pace.clock())
            return data or {}
        raise Deferred(self.pace.max_sleep or 60.0)

    def estimate(self) -> None:
        """The ordersCount for the progress bar, once per run; a run goes on without it."""
        if self.run.total_estimate is not None or self.run.pages:
            return
        try:
            count = self.call(ORDERS_COUNT, {"query": updated_since(self.run.since)}).get("ordersCount")
        except Deferred:
            raise
        except Exception as exc:  # noqa: BLE001 - the estimate is only for display
            log.info("no order count for %s: %s", self.shop.domain, exc)
            return
        self.run.total_estimate = (count or {}).get("count")

    def _line_items(self, node: dict) -> list[dict] | None:
        """All line items of an order with more than the page carried; None when the page had them all."""
        first = node.get("lineItems") or {}
        if not (first.get("pageInfo") or {}).get("hasNextPage"):
            return None
        items, after = list(first.get("nodes") or []), first["pageInfo"].get("endCursor")
        while after:
            more = ((self.call(ORDER_LINE_ITEMS, {"id": node["id"], "first": LINE_ITEMS_PER_PAGE, "after": after})
                     .get("order") or {}).get("lineItems") or {})
            items += more.get("nodes") or []
            info = more.get("pageInfo") or {}
            after = info.get("endCursor") if info.get("hasNextPage") else None
        return items

    def page(self) -> bool:
        """Fetch, store and apply the next page; False once the last page is done."""
        run = self.run
        orders = self.call(ORDERS_PAGE, {"first": ORDERS_PER_PAGE, "after": run.cursor,
                                         "query": updated_since(run.since)}).get("orders")
        if orders is None:
            raise RuntimeError("Admin API answered without an orders connection")
        nodes = [edge["node"] for edge in orders.get("edges") or []]
        payloads = [adapter.order_payload(n, self._line_items(n)) for n in nodes]
        event_ids = feed.store(self.s, shop=self.shop, payloads=payloads)
        info = orders.get("pageInfo") or {}
        run.cursor = info.get("endCursor") or run.cursor
        # attempts counts this job and the failed ones since the last page that got through
        run.pages, run.orders_seen, run.attempts = run.pages + 1, run.orders_seen + len(nodes), 1
        run.locked_until = run.next_attempt_at = utcnow() + work.LEASE
        self.s.commit()
        run.orders_applied += feed.apply(event_ids)
        self.s.commit()
        return bool(info.get("hasNextPage"))

    def over_budget(self) -> bool:
        return self.pace.budget is not None and self.pace.clock() - self.started >= self.pace.budget


def _release(run: ReconcileRun) -> None:
    """The run is over for good: a new run of its kind may start."""
    run.active_key, run.finished_at = None, utcnow()


def _step_aside(run: ReconcileRun, seconds: float, reason: str | None) -> None:
    run.status, run.attempts, run.error, run.locked_until = PENDING, 0, reason, None
    run.next_attempt_at = utcnow() + timedelta(seconds=seconds)


def _work(s: Session, runner: Runner, on_page: Callable[[ReconcileRun], None] | None) -> str:
    run = runner.run
    run.started_at = run.started_at or utcnow()
    runner.estimate()
    s.commit()
    while more := runner.page():
        if on_page:
            on_page(run)
        if runner.over_budget():
            break
    if more:
        _step_aside(run, 0, None)
        return CONTINUE
    if on_page:
        on_page(run)
    work.finish(run, DONE)
    _release(run)
    return DONE


def advance(run_id: int, *, pace: Pace | None = None, on_page: Callable[[ReconcileRun], None] | None = None) -> str:
    """Work on a run the caller has claimed until it ends, defers, fails or uses its budget.

    Returns the run's new status, or CONTINUE when a fresh job should carry on, or DEFERRED."""
    s = session()
    run = s.get(ReconcileRun, run_id, populate_existing=True)
    shop = s.get(Shop, run.shop_id)
    try:
        if shop.uninstalled_at is not None:
            raise EffectRejected(f"{shop.domain} has uninstalled the app")
        outcome = _work(s, Runner(s, run, shop, pace or Pace()), on_page)
    except Deferred as waiting:
        s.rollback()
        _step_aside(run, waiting.seconds, str(waiting))
        outcome = DEFERRED
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the run, which resumes later
        s.rollback()
        work.fail(run, exc, max_attempts=MAX_ATTEMPTS, permanent=isinstance(exc, EffectRejected),
                  retry_after=getattr(exc, "after", None))
        if run.next_attempt_at is None:
            _release(run)
        log.warning("reconcile run %s for %s %s: %s", run_id, shop.domain, run.status, run.error)
        outcome = run.status
    s.commit()
    return outcome
