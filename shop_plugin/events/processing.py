"""Turn a stored webhook into state: claim it, parse it, dispatch it, record the outcome.

A handler's writes and the event's `processed` status commit in one transaction, so an
event is either fully applied or not at all; a claim (lease) keeps two workers apart.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from shop_plugin.db import utcnow
from shop_plugin.events.models import DEAD, FAILED, IGNORED, PROCESSED, PROCESSING, RECEIVED, WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.shops import service as shops
from webhooks import registry
from webhooks.context import HandlerContext

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


class PermanentError(Exception):
    """An event that can never succeed (e.g. its body is not JSON): fail it without retrying."""


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, ... capped at 2 h."""
    return timedelta(seconds=min(30 * 4 ** (attempts - 1), 7200))


def claim(event_id: int) -> bool:
    """Take the event for this worker if it is due, or its previous worker's lease expired."""
    now = utcnow()
    due = or_(
        WebhookEvent.status == RECEIVED,
        and_(WebhookEvent.status == FAILED, WebhookEvent.next_attempt_at <= now),
        and_(WebhookEvent.status == PROCESSING, WebhookEvent.locked_until < now),
    )
    result = session().execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_id, due)
        .values(status=PROCESSING, attempts=WebhookEvent.attempts + 1,
                locked_until=now + LEASE, next_attempt_at=now + LEASE)
    )
    session().commit()
    return result.rowcount == 1


def process_event(event_id: int) -> str | None:
    """Job: apply one webhook event. Safe to run any number of times."""
    if not claim(event_id):
        return None
    event = session().get(WebhookEvent, event_id, populate_existing=True)
    try:
        status = _apply(event)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the event
        session().rollback()
        return _record_failure(event_id, exc)
    event.status, event.error, event.processed_at = status, None, utcnow()
    event.locked_until = event.next_attempt_at = None
    session().commit()
    return status


def _apply(event: WebhookEvent) -> str:
    if event.attempts > current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        raise RuntimeError(f"abandoned by its worker {event.attempts - 1} times")
    handler = registry.handler_for(event.topic)
    if handler is None:
        return IGNORED
    try:
        payload = json.loads(event.body)
    except ValueError as exc:
        raise PermanentError(f"body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise PermanentError("body is JSON but not an object")
    shop = shops.get_or_create(domain=event.shop_domain)
    ctx = HandlerContext(event=event, shop=shop, payload=payload)
    handler(ctx)
    event.order_id = ctx.order_id
    return PROCESSED


def _record_failure(event_id: int, exc: Exception) -> str:
    event = session().get(WebhookEvent, event_id, populate_existing=True)
    if event is None:  # the handler deleted it (shop/redact) and then failed
        return FAILED
    permanent = isinstance(exc, PermanentError)
    exhausted = event.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]
    event.error = f"{type(exc).__name__}: {exc}"[:2000]
    event.locked_until = None
    if permanent:
        event.status, event.next_attempt_at = FAILED, None
    elif exhausted:  # retries used up: park it for an operator (flask events replay)
        event.status, event.next_attempt_at = DEAD, None
    else:
        event.status, event.next_attempt_at = FAILED, utcnow() + backoff(event.attempts)
    session().commit()
    log.warning("webhook event %s %s: %s", event_id, event.status, event.error)
    return event.status


def due_event_ids(limit: int = 500) -> list[int]:
    """Events the sweeper should enqueue: never picked up, due for a retry, or abandoned."""
    now = utcnow()
    stmt = (
        select(WebhookEvent.id)
        .where(WebhookEvent.status.in_((RECEIVED, FAILED, PROCESSING)), WebhookEvent.next_attempt_at <= now)
        .order_by(WebhookEvent.next_attempt_at)
        .limit(limit)
    )
    return list(session().scalars(stmt))


def sweep(limit: int = 500) -> int:
    """Job: enqueue every due event. Runs periodically; a Redis outage only delays work."""
    from shop_plugin import jobs

    ids = due_event_ids(limit)
    for event_id in ids:
        jobs.enqueue(process_event, event_id)
    return len(ids)


def replay(event_id: int) -> str | None:
    """Operator action: run an event again from scratch (handlers are idempotent)."""
    session().execute(
        update(WebhookEvent).where(WebhookEvent.id == event_id)
        .values(status=RECEIVED, attempts=0, error=None, next_attempt_at=utcnow())
    )
    session().commit()
    return process_event(event_id)
