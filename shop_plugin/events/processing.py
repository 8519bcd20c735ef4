"""Turn a stored webhook into state: claim it, parse it, dispatch it, record the outcome.

A handler's writes and the event's `processed` status commit in one transaction, so an
event is either fully applied or not at all; a claim (lease) keeps two workers apart. A batch
of order events (`process_events`) shares that transaction: all applied or, when it fails, each
applied again on its own.
"""
from __future__ import annotations

import json
import logging

from flask import current_app
from rq.timeouts import BaseTimeoutException
from sqlalchemy import bindparam, select, update

from shop_plugin import work
from shop_plugin.db import utcnow
from shop_plugin.events.models import ERASED_BODIES, IGNORED, PROCESSED, RECEIVED, WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.shopify.client import shop_domain
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
    except BaseTimeoutException:  # RQ's job timeout: the job ends here; the lease runs out, the sweeper retries
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the event
        session().rollback()
        return _record_failure(event, exc)
    try:
        _finish([(event, status, order_id)])
    except NoLongerClaimed:
        session().rollback()
        log.info("webhook event %s: no longer this worker's when applied (set aside by a redaction, or its "
                 "lease ran out); its writes were not kept", event.id)
        return None
    return status


def process_events(*event_ids: int) -> None:
    """Job: apply a worker's batch of webhook events, with the outcome of applying them one by one
    in id order.

    They are claimed together (one statement) and walked in id order. Consecutive events of topics
    with a batch handler (the order topics), of distinct orders, are applied together and marked
    processed in one transaction: a few statements and one commit for the lot instead of a dozen
    statements and two commits each. Any other event first lets the group before it commit, then
    runs on its own, in an app context (a session) of its own, and the events after it are read
    again (a redaction may have changed them; one no longer ours is left alone). A group whose
    transaction fails is applied again one event at a time, so one bad event fails only itself."""
    s = session()
    pending = work.claim_many_plain(s, WebhookEvent, list(event_ids), RECEIVED)
    group: list[tuple] = []  # (batch handler, event, payload)
    i = 0
    while i < len(pending):
        event = pending[i]
        handler, payload = _batchable(event)
        if handler is not None and (not group or group[0][0] is handler) \
                and not any(_same_order(event, payload, e, p) for _, e, p in group):
            group.append((handler, event, payload))
            i += 1
            continue
        _apply_group(group)
        group = []
        if handler is not None:  # a second event of an order in the group (or another handler's): the next group
            continue
        _alone(event)
        pending[i + 1:] = work.still_claimed(s, WebhookEvent, pending[i + 1:])
        i += 1
    _apply_group(group)


def _same_order(event, payload: dict, other, other_payload: dict) -> bool:
    return event.shop_domain == other.shop_domain and payload["id"] == other_payload["id"]


def _batchable(event) -> tuple:
    """(batch handler, payload) for an event that can join a group; (None, None) for one that runs
    alone: another topic, or a body the one-by-one path will fail (and record why)."""
    handler = registry.batch_handler_for(event.topic)
    if handler is None:
        return None, None
    try:
        _check_attempts(event)
        payload = _payload(event)
    except Exception:  # noqa: BLE001 - it fails alone, where `_apply` records why
        return None, None
    return (handler, payload) if isinstance(payload.get("id"), int) else (None, None)


def _alone(event) -> None:
    """One event on its own (`process_event` without the claim). A failure to record its outcome is
    logged and leaves it claimed: its lease runs out and the sweeper gives it to a worker again."""
    try:
        with current_app.app_context():
            _process_claimed(event)
    except BaseTimeoutException:
        raise
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("webhook event %s: outcome not recorded; the sweeper retries it", event.id)


def _apply_group(group: list[tuple]) -> None:
    if not group:
        return
    try:
        _apply_together(group)
    except BaseTimeoutException:
        raise
    except Exception:  # noqa: BLE001 - each event is applied again on its own, which records its failure
        session().rollback()
        log.warning("batch of %d events failed; applying them one by one", len(group), exc_info=True)
        for event in work.still_claimed(session(), WebhookEvent, [event for _, event, _ in group]):
            _alone(event)


def _apply_together(group: list[tuple]) -> None:
    """A group of one batch handler: applied and marked processed in one transaction."""
    shop_of = shops.get_or_create_many(domains={event.shop_domain for _, event, _ in group})
    handler = group[0][0]
    ctxs = [HandlerContext(event=event, shop=shop_of[event.shop_domain], payload=payload)
            for _, event, payload in group]
    handler(ctxs)
    _finish([(ctx.event, PROCESSED, ctx.order_id) for ctx in ctxs])


class NoLongerClaimed(Exception):
    """An event this worker claimed was changed by someone else before its outcome was recorded."""


def _finish(outcomes: list[tuple]) -> None:
    """Record (event, status, order id) outcomes and commit, with the handlers' writes, only if every
    event is still as this worker claimed it. A redaction that committed meanwhile set its events aside
    (the worker read their bodies before it): writing them now would put the erased data back."""
    now = utcnow()
    done = session().execute(_FINISHED, [
        {**work.finished(status), "row_id": event.id, "lease": event.locked_until, "order_id": order_id,
         "processed_at": now} for event, status, order_id in outcomes])
    if done.rowcount != len(outcomes):
        raise NoLongerClaimed(f"{len(outcomes) - done.rowcount} of {len(outcomes)} events")
    session().commit()


_EVENT = WebhookEvent.__table__.c
_FINISHED = update(WebhookEvent.__table__).where(
    _EVENT.id == bindparam("row_id"),
    work.held(WebhookEvent.__table__, bindparam("lease", type_=_EVENT.locked_until.type)),
).values({name: bindparam(name, type_=_EVENT[name].type)
          for name in (*work.finished(PROCESSED), "order_id", "processed_at")})


def _apply(event) -> tuple[str, int | None]:
    """(status, the Shopify order the event concerns)."""
    _check_attempts(event)
    handler = registry.handler_for(event.topic)
    if handler is None:
        return IGNORED, None
    payload = _payload(event)
    _check_named_shop(event, payload)
    shop = shops.get_or_create(domain=event.shop_domain)
    ctx = HandlerContext(event=event, shop=shop, payload=payload)
    handler(ctx)
    return PROCESSED, ctx.order_id


def _check_attempts(event) -> None:
    if event.attempts > current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        raise RuntimeError(f"abandoned by its worker {event.attempts - 1} times")


def _check_named_shop(event, payload: dict) -> None:
    """A topic whose body names its shop (registry.BODY_SHOP_FIELD) is applied only to that shop: the
    shop header is not signed, so a body naming another shop is refused for good."""
    field = registry.BODY_SHOP_FIELD.get(event.topic)
    if field is None:
        return
    named = payload.get(field)
    if not isinstance(named, str) or shop_domain(named) != event.shop_domain:
        raise PermanentError(f"its body names the shop {str(named)[:100]!r} ({field}), not {event.shop_domain} "
                             "of its headers: not applied")


def _payload(event) -> dict:
    """The event's body as a JSON object, or PermanentError saying why it can never be applied."""
    if bytes(event.body) in ERASED_BODIES:
        raise PermanentError("its body was erased (customer redaction or retention): nothing left to apply")
    try:
        payload = json.loads(event.body)
    except ValueError as exc:
        raise PermanentError(f"body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise PermanentError("body is JSON but not an object")
    return payload


def _record_failure(claimed, exc: Exception) -> str | None:
    """Record the failure on the event, if it is still as this worker claimed it: one a redaction set
    aside meanwhile, or another worker took after the lease ran out, is no longer this worker's to
    write (and its error text could quote the erased data)."""
    event = session().scalars(select(WebhookEvent).where(
        WebhookEvent.id == claimed.id, work.held(WebhookEvent.__table__, claimed.locked_until))
        .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if event is None:  # no longer this worker's, or the handler deleted it (shop/redact) and then failed
        session().rollback()
        log.info("webhook event %s failed after it stopped being this worker's; not recorded", claimed.id)
        return None
    work.fail(event, exc, max_attempts=current_app.config["WEBHOOK_MAX_ATTEMPTS"],
              permanent=isinstance(exc, PermanentError))
    session().commit()
    log.warning("webhook event %s %s: %s", claimed.id, event.status, event.error)
    return event.status


def due_event_ids(limit: int = 500, pages: int = 1) -> list[int]:
    """Events the sweeper should enqueue: never picked up, due for a retry, or abandoned."""
    return work.due_ids(session(), WebhookEvent, RECEIVED, limit, pages=pages)


def sweep(limit: int = 500) -> int:
    """Job: enqueue every due event and effect. Runs periodically; a Redis outage only delays work.
    While the queue holds jobs, one page (the due rows are likely queued already: workers are behind);
    when it is empty (Redis came back empty, or jobs were lost), every due row, page after page."""
    from shop_plugin import jobs
    from shop_plugin.effects import service as effects

    ids = due_event_ids(limit, pages=jobs.sweep_pages(jobs.NORMAL))
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
