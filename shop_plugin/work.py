"""Durable units of work (webhook events, effects): claimed with a lease, retried with backoff.

A row is claimable when `received`/`pending`, when `failed` and due, or when its worker's
lease ran out. The claim is one conditional UPDATE, so two workers never run the same row.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from shop_plugin.db import utcnow

LEASE = timedelta(minutes=5)
RUNNING, FAILED, DEAD = "processing", "failed", "dead"


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, ... capped at 2 h."""
    return timedelta(seconds=min(30 * 4 ** (attempts - 1), 7200))


def claim(s: Session, model, row_id: int, fresh_status: str) -> bool:
    """Take the row for this worker; commits, so the lease is visible to everyone at once."""
    now = utcnow()
    due = or_(
        model.status == fresh_status,
        and_(model.status == FAILED, model.next_attempt_at <= now),
        and_(model.status == RUNNING, model.locked_until < now),
    )
    result = s.execute(
        update(model).where(model.id == row_id, due)
        .values(status=RUNNING, attempts=model.attempts + 1, locked_until=now + LEASE, next_attempt_at=now + LEASE)
    )
    s.commit()
    return result.rowcount == 1


def finish(row, status: str) -> None:
    row.status, row.error = status, None
    row.locked_until = row.next_attempt_at = None


def fail(row, exc: Exception, *, max_attempts: int, permanent: bool, retry_after: timedelta | None = None) -> None:
    """Record a failure: permanent → failed for good; out of attempts → dead; else retry later."""
    row.error = f"{type(exc).__name__}: {exc}"[:2000]
    row.locked_until = None
    if permanent:
        row.status, row.next_attempt_at = FAILED, None
    elif row.attempts >= max_attempts:  # retries used up: parked for an operator
        row.status, row.next_attempt_at = DEAD, None
    else:
        row.status, row.next_attempt_at = FAILED, utcnow() + (retry_after or backoff(row.attempts))


def due_ids(s: Session, model, fresh_status: str, limit: int) -> list[int]:
    """Rows a sweeper should enqueue: never picked up, due for a retry, or abandoned."""
    stmt = (
        select(model.id)
        .where(model.status.in_((fresh_status, FAILED, RUNNING)), model.next_attempt_at <= utcnow())
        .order_by(model.next_attempt_at)
        .limit(limit)
    )
    return list(s.scalars(stmt))
