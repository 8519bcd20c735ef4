"""Turn a stored webhook into state: claim it, parse it, dispatch it, record the outcome.

A handler's writes and the event's `processed` status commit in one transaction, so an
event is either fully applied or not at all; a claim (lease) keeps two workers apart. A batch
of order events (`process_events`) shares that transaction: all applied or, when it fails, each
applied again on its own.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict

from flask import current_app
from sqlalchemy import bindparam, update

from shop_plugin import work
from shop_plugin.db import utcnow
from shop_plugin.events.models import ERASED_BODIES, FAILED, IGNORED, PROCESSED, RECEIVED, WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.shops import service as shops
from webhooks import registry
from webhooks.context import HandlerContext

log = logging.getLogger(__name__)


class PermanentError(Exception):
    """An event that can never succeed (e.g. its body is not JSON): fail it without retrying."""


def claim(event_id: int):
    """Take the event for this worker if it is due, or its previous worker's lease expired: the
    event as a plain, read-only row (every column), or None."""
    return work.claim_plain(session(), WebhookEvent, event_id, RECEIVED)


def process_event(event_id: int) -> str | None:
    """Job: apply one webhook event. Safe to run any number of times."""
    event = claim(event_id)
    if event is None:
        return None
    return _process_claimed(event)


def _process_claimed(event) -> str:
    try:
        status, order_id = _apply(event)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the event
        session().rollback()
        return _record_failure(event.id, exc)
    session().execute(_FINISHED, {**work.finished(status), "row_id": event.id, "order_id": order_id,
                                  "processed_at": utcnow()})
    session().commit()
    return status


def process_events(*event_ids: int) -> None:
    """Job: apply a worker's batch of webhook events, each exactly as `process_event` would.

    They are claimed together (one statement). Events of topics with a batch handler (the order
    topics), at most one per order, are applied together and marked processed in one transaction:
    a few statements and one commit for the lot instead of a dozen statements and two commits each.
    The rest (other topics, a second event of the same order, bodies that will fail) run one by
    one afterwards, in id order, each in an app context (a session) of its own; so does every
    event of a batch whose transaction failed, so one bad event fails only itself."""
    together, alone = _sort_out(work.claim_many_plain(session(), WebhookEvent, list(event_ids), RECEIVED))
    if together:
        try:
            _apply_together(together)
        except Exception:  # noqa: BLE001 - each event is applied again on its own, which records its failure
            session().rollback()
            log.warning("batch of %d events failed; applying them one by one", sum(map(len, together.values())),
                        exc_info=True)
            alone = sorted(alone + [event for items in together.values() for event, _ in items], key=lambda e: e.id)
    app = current_app._get_current_object()
    for event in alone:
        with app.app_context():
            _process_claimed(event)


def _sort_out(claimed: list) -> tuple[dict, list]:
    """Claimed events → ({batch handler: [(event, payload)]}, [events to apply one by one])."""
    together, alone, orders = defaultdict(list), [], set()
    for event in claimed:
        handler = registry.batch_handler_for(event.topic)
        payload = _payload(event) if handler is not None else None
        key = (event.shop_domain, payload.get("id")) if payload is not None else None
        if payload is None or not isinstance(key[1], int) or key in orders:
            alone.append(event)
            continue
        orders.add(key)
        together[handler].append((event, payload))
    return together, alone


def _payload(event) -> dict | None:
    """The event's payload, when nothing stands in the way of applying it; else None (the one-by-one
    path finds out what, and records it)."""
    if event.attempts > current_app.config["WEBHOOK_MAX_ATTEMPTS"] or bytes(event.body) in ERASED_BODIES:
        return None
    try:
        payload = json.loads(event.body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _apply_together(together: dict) -> None:
    shop_of = shops.get_or_create_many(domains={event.shop_domain for items in together.values() for event, _ in items})
    done = []
    for handler, items in together.items():
        ctxs = [HandlerContext(event=event, shop=shop_of[event.shop_domain], payload=payload)
                for event, payload in items]
        handler(ctxs)
        done += ctxs
    now = utcnow()
    session().execute(_FINISHED, [{**work.finished(PROCESSED), "row_id": ctx.event.id, "order_id": ctx.order_id,
                                   "processed_at": now} for ctx in done])
    session().commit()


_EVENT = WebhookEvent.__table__.c
_FINISHED = update(WebhookEvent.__table__).where(_EVENT.id == bindparam("row_id")).values(
    {name: bindparam(name, type_=_EVENT[name].type)
     for name in (*work.finished(PROCESSED), "order_id", "processed_at")})


def _apply(event) -> tuple[str, int | None]:
    """(status, the Shopify order the event concerns)."""
    if event.attempts > current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        raise RuntimeError(f"abandoned by its worker {event.attempts - 1} times")
    handler = registry.handler_for(event.topic)
    if handler is None:
        return IGNORED, None
    if bytes(event.body) in ERASED_BODIES:
        raise PermanentError("its body was erased (customer redaction or retention): nothing left to apply")
    try:
        payload = json.loads(event.body)
    except ValueError as exc:
        raise PermanentError(f"body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise PermanentError("body is JSON but not an object")
    shop = shops.get_or_create(domain=event.shop_domain)
    ctx = HandlerContext(event=event, shop=shop, payload=payload)
    handler(ctx)
    return PROCESSED, ctx.order_id


def _record_failure(event_id: int, exc: Exception) -> str:
    event = session().get(WebhookEvent, event_id, populate_existing=True)
    if event is None:  # the handler deleted it (shop/redact) and then failed
        return FAILED
    work.fail(event, exc, max_attempts=current_app.config["WEBHOOK_MAX_ATTEMPTS"],
              permanent=isinstance(exc, PermanentError))
    session().commit()
    log.warning("webhook event %s %s: %s", event_id, event.status, event.error)
    return event.status


def due_event_ids(limit: int = 500) -> list[int]:
    """Events the sweeper should enqueue: never picked up, due for a retry, or abandoned."""
    return work.due_ids(session(), WebhookEvent, RECEIVED, limit)


def sweep(limit: int = 500) -> int:
    """Job: enqueue every due event and effect. Runs periodically; a Redis outage only delays work."""
    from shop_plugin import jobs
    from shop_plugin.effects import service as effects

    ids = due_event_ids(limit)
    jobs.enqueue_each(process_event, ids)
    return len(ids) + effects.sweep(limit)


def replay(event_id: int) -> str | None:
    """Operator action: run an event again from scratch (handlers are idempotent)."""
    session().execute(
        update(WebhookEvent).where(WebhookEvent.id == event_id)
        .values(status=RECEIVED, attempts=0, error=None, next_attempt_at=utcnow())
    )
    session().commit()
    return process_event(event_id)
