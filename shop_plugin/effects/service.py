"""Schedule effects inside a transaction; run them after it commits; retry until done or dead.

An executor is `fn(shop, payload) -> dict` (the result kept on the row). It raises
`RetryLater` for a temporary refusal (throttling) and `EffectRejected` when retrying is
pointless (e.g. Shopify's userErrors); any other exception is retried with backoff.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

from shop_plugin import work
from shop_plugin.db import insert_ignore, insert_ignore_many, utcnow
from shop_plugin.effects.models import DONE, PENDING, Effect
from shop_plugin.extensions import session
from shop_plugin.shops.models import Shop

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
EXECUTORS = {
    "promise_metafields": "shop_plugin.promises.metafields:write",
    "promise_email": "shop_plugin.promises.email:send",
    "delay_notice": "shop_plugin.notify.notices:send",
    "automatic_refund": "shop_plugin.refunds.service:run_automatic",
    "shop_profile": "shop_plugin.shops.profile:sync",
    "reconcile_backfill": "shop_plugin.reconcile.service:start_backfill",
    "ticket_reply": "shop_plugin.helpdesk.customer_mail:send_reply",
    "ticket_ack": "shop_plugin.helpdesk.ack:send",
    "ticket_csat": "shop_plugin.helpdesk.csat:send",
    "customer_choice_offer": "shop_plugin.refunds.choice_effects:send_offer",
    "choice_discount": "shop_plugin.refunds.choice_effects:create_discount",
    "choice_refund": "shop_plugin.refunds.choice_effects:refund",
}
# Kinds whose jobs are low priority (jobs.LOW): they only copy to Shopify what the database already
# holds, and Shopify's per-shop budget paces them anyway, so in a burst of orders they wait for the
# webhook events, emails and refunds instead of doubling the work ahead of them.
BACKGROUND_KINDS = frozenset({"promise_metafields"})
_AFTER_COMMIT = "effects_to_enqueue"  # (effect id, kind) scheduled in this transaction


def priority(kind: str) -> str:
    from shop_plugin import jobs

    return jobs.LOW if kind in BACKGROUND_KINDS else jobs.NORMAL


class RetryLater(Exception):
    spends_attempt = True  # False for refusals that did nothing (throttling): they retry without limit

    def __init__(self, message: str, after: timedelta | None = None) -> None:
        super().__init__(message)
        self.after = after


class EffectRejected(Exception):
    """The other side refused for good; a person has to look."""


def schedule(s: Session, *, shop: Shop, kind: str, key: str, payload: dict) -> int | None:
    """Record the effect once per (shop, kind, key); it runs after this transaction commits."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown effect kind {kind!r}")
    effect_id = insert_ignore(s, Effect.__table__, {
        "shop_id": shop.id, "kind": kind, "key": key, "payload": payload, "status": PENDING, "attempts": 0,
        "created_at": utcnow(), "next_attempt_at": utcnow() + _first_sweep(kind),
    }, ["shop_id", "kind", "key"])
    if effect_id is not None:
        s.info.setdefault(_AFTER_COMMIT, []).append((effect_id, kind))
    return effect_id


def schedule_many(s: Session, wanted: list[tuple[int, str, str, dict]]) -> list[int]:
    """`schedule` for many (shop id, kind, key, payload) in one statement; the ids of those new."""
    if unknown := {kind for _, kind, _, _ in wanted} - set(EXECUTORS):
        raise ValueError(f"unknown effect kind(s) {sorted(unknown)!r}")
    now = utcnow()
    table = Effect.__table__
    rows = insert_ignore_many(s, table, [
        {"shop_id": shop_id, "kind": kind, "key": key, "payload": payload, "status": PENDING, "attempts": 0,
         "created_at": now, "next_attempt_at": now + _first_sweep(kind)} for shop_id, kind, key, payload in wanted
    ], ["shop_id", "kind", "key"], [table.c.id, table.c.kind])
    s.info.setdefault(_AFTER_COMMIT, []).extend((row.id, row.kind) for row in rows)
    return [row.id for row in rows]


@event.listens_for(Session, "after_commit")
def _enqueue_committed(s: Session) -> None:
    from shop_plugin import jobs

    for effect_id, kind in s.info.pop(_AFTER_COMMIT, []):
        try:  # the row is committed: a lost hand-off only waits for the sweep
            jobs.enqueue_soon(run, effect_id, priority=priority(kind))
        except Exception:  # noqa: BLE001 - the sweeper enqueues it later
            log.exception("could not enqueue effect %s; the sweeper will", effect_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(s: Session) -> None:
    s.info.pop(_AFTER_COMMIT, None)


def run(effect_id: int) -> str | None:
    """Job: carry out one effect. Safe to run any number of times: done effects stay done."""
    s = session()
    effect = work.claim(s, Effect, effect_id, PENDING)
    if effect is None:
        return None
    shop = s.get(Shop, effect.shop_id)
    try:
        result = import_string(EXECUTORS[effect.kind].replace(":", "."))(shop, effect.payload)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the effect
        s.rollback()
        effect = s.get(Effect, effect_id, populate_existing=True)
        if not getattr(exc, "spends_attempt", True):
            effect.attempts -= 1  # its claim counted an attempt, but nothing was attempted
        work.fail(effect, exc, max_attempts=MAX_ATTEMPTS, permanent=isinstance(exc, EffectRejected),
                  retry_after=getattr(exc, "after", None))
        s.commit()
        log.warning("effect %s (%s) %s: %s", effect_id, effect.kind, effect.status, effect.error)
        return effect.status
    work.finish(effect, DONE)
    effect.result, effect.done_at = result, utcnow()
    s.commit()
    return DONE


def sweep(limit: int = 500) -> int:
    """Enqueue effects that are due: never run, due for a retry, or abandoned by a worker. Each
    priority has a page of its own (normal first), so low-priority writes waiting out a burst in
    their queue never fill the page that brings back a failed email's retry."""
    from shop_plugin import jobs

    swept = 0
    pages = ((jobs.NORMAL, Effect.kind.not_in(BACKGROUND_KINDS)), (jobs.LOW, Effect.kind.in_(BACKGROUND_KINDS)))
    for level, kinds in pages:
        ids = work.due_ids(session(), Effect, PENDING, limit, where=kinds, pages=jobs.sweep_pages(level))
        jobs.enqueue_each(run, ids, priority=level)
        swept += len(ids)
    return swept


def _first_sweep(kind: str) -> timedelta:
    """How long a new effect waits for its job before the sweeper queues it again: a low-priority one
    may wait out a burst in its queue, and every sweep would queue it once more."""
    return timedelta(minutes=15) if kind in BACKGROUND_KINDS else timedelta(minutes=1)
