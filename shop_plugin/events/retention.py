"""Webhook bodies are kept WEBHOOK_BODY_RETENTION_DAYS, then erased.

A delivery's body is the whole order as Shopify sent it (names, addresses, emails). Once applied, the
order's state lives in its own tables, so the raw copy is kept only as long as it helps (an operator's
replay, an investigation), then replaced by EXPIRED_BODY; the row and its outcome stay. A daily job
walks the table in id order from where its last run stopped (a RetentionMark), so each run reads only
the rows received since. Deliveries still unsettled (received, failing, dead) when the walk passes them
keep their bodies for the operator; customers/redact still erases those of a customer who asks."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from shop_plugin.db import utcnow
from shop_plugin.events.models import EXPIRED_BODY, IGNORED, PROCESSED, RetentionMark, WebhookEvent
from shop_plugin.extensions import session

MARK = "webhook_event_bodies"
CHUNK = 2000  # ids read per step (id and received_at only), one UPDATE and commit per step


def purge_bodies() -> int:
    """Periodic job (daily): erase the bodies of settled deliveries received before the retention
    period; returns how many. Safe to run at any time and from two places at once (the mark is locked)."""
    s = session()
    cutoff = utcnow() - timedelta(days=current_app.config["WEBHOOK_BODY_RETENTION_DAYS"])
    erased = 0
    while True:
        mark = _mark(s)
        rows = s.execute(select(WebhookEvent.id, WebhookEvent.received_at).where(WebhookEvent.id > mark.last_id)
                         .order_by(WebhookEvent.id).limit(CHUNK)).all()
        old = [row.id for row in _until_recent(rows, cutoff)]
        if not old:
            s.commit()
            return erased
        erased += s.execute(update(WebhookEvent).where(
            WebhookEvent.id.between(old[0], old[-1]), WebhookEvent.status.in_((PROCESSED, IGNORED)),
            WebhookEvent.body != EXPIRED_BODY).values(body=EXPIRED_BODY)).rowcount
        mark.last_id, mark.updated_at = old[-1], utcnow()
        s.commit()
        if len(old) < len(rows):
            return erased


def _mark(s) -> RetentionMark:
    mark = s.get(RetentionMark, MARK, with_for_update=True)
    if mark is None:
        s.add(RetentionMark(name=MARK, last_id=0, updated_at=utcnow()))
        s.flush()
        mark = s.get(RetentionMark, MARK, with_for_update=True)
    return mark


def _until_recent(rows, cutoff):
    """The rows (in id order) up to the first one received inside the retention period."""
    for row in rows:
        if row.received_at >= cutoff:
            return
        yield row
