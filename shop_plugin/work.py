"""Durable units of work (webhook events, effects): claimed with a lease, retried with backoff.

A row is claimable when `received`/`pending`, when `failed` and due, or when its worker's
lease ran out. The claim is one conditional UPDATE, so two workers never run the same row.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from shop_plugin.db import built_once, ids_param, ids_value, utcnow

LEASE = timedelta(minutes=5)
RUNNING, FAILED, DEAD = "processing", "failed", "dead"


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, ... capped at 2 h."""
    return timedelta(seconds=min(30 * 4 ** (attempts - 1), 7200))


def claim(s: Session, model, row_id: int, fresh_status: str):
    """Take the row for this worker and return it (loaded, as claimed), or None when it is not due
    or another worker holds it. Commits, so the lease is visible to everyone at once."""
    stmt = built_once(s, ("claim", model.__tablename__, fresh_status),
                      lambda _: select(model).from_statement(_claim_statement(model, fresh_status)))
    row = s.scalars(stmt, _claim_params(row_id), execution_options={"populate_existing": True}).one_or_none()
    s.commit()
    return row


def claim_plain(s: Session, model, row_id: int, fresh_status: str):
    """`claim` giving a plain row (the table's columns, read-only): for the hottest path, the webhook
    events, whose outcome is written back with one UPDATE (`finished`) rather than the ORM's flush."""
    stmt = built_once(s, ("claim_plain", model.__tablename__, fresh_status),
                      lambda _: _claim_statement(model, fresh_status))
    row = s.execute(stmt, _claim_params(row_id)).one_or_none()
    s.commit()
    return row


def claim_many_plain(s: Session, model, row_ids: list[int], fresh_status: str) -> list:
    """`claim_plain` for several rows in one statement: those taken, in id order."""
    stmt = built_once(s, ("claim_many", model.__tablename__, fresh_status),
                      lambda s: _claim_statement(model, fresh_status, many=_in_id_order(s, model)))
    now = utcnow()
    rows = s.execute(stmt, {"ids": ids_value(s, row_ids), "now": now, "lease_end": now + LEASE}).all()
    s.commit()
    return sorted(rows, key=lambda row: row.id)


def _in_id_order(s: Session, model):
    """The rows of `ids`, locked in id order, skipping rows another transaction holds (PostgreSQL; on
    SQLite the writer is alone anyway): two workers claiming overlapping batches never deadlock."""
    c = model.__table__.c
    return c.id.in_(select(c.id).where(ids_param(s, c.id, "ids")).order_by(c.id).with_for_update(skip_locked=True))


def held(table, lease):
    """The condition that a row is still as its worker claimed it: running, under that worker's lease
    (`lease`, a value or a bind parameter). A redaction that set it aside, or another worker that took
    it after the lease ran out, changed one or the other."""
    return and_(table.c.status == RUNNING, table.c.locked_until == lease)


def still_claimed(s: Session, model, rows: list) -> list:
    """Of rows this worker claimed together (one lease), those still claimed by it, read again; in id
    order. A row someone else changed since (a redaction ignored it, the lease ran out and another
    worker took it) is no longer this worker's."""
    if not rows:
        return []
    c = model.__table__.c
    lease = bindparam("lease", type_=c.locked_until.type)
    stmt = built_once(s, ("still_claimed", model.__tablename__), lambda s: select(model.__table__).where(
        ids_param(s, c.id, "ids"), held(model.__table__, lease)))
    fresh = s.execute(stmt, {"ids": ids_value(s, [row.id for row in rows]), "lease": rows[0].locked_until}).all()
    s.commit()
    return sorted(fresh, key=lambda row: row.id)


def _claim_params(row_id: int) -> dict:
    now = utcnow()
    return {"row_id": row_id, "now": now, "lease_end": now + LEASE}


def _claim_statement(model, fresh_status: str, many=None):
    """The claim as one UPDATE … RETURNING (the row comes back with its lease; no second read),
    built once; a Core statement on the table (loaded as the model by `claim`) skips the ORM's
    bulk-update bookkeeping."""
    c = model.__table__.c
    now, lease_end = bindparam("now", type_=c.locked_until.type), bindparam("lease_end", type_=c.locked_until.type)
    due = or_(
        c.status == fresh_status,
        and_(c.status == FAILED, c.next_attempt_at <= now),
        and_(c.status == RUNNING, c.locked_until < now),
    )
    claimed = (update(model.__table__).where(c.id == bindparam("row_id") if many is None else many, due)
               .values(status=RUNNING, attempts=c.attempts + 1, locked_until=lease_end, next_attempt_at=lease_end))
    return claimed.returning(*model.__table__.c)


def finish(row, status: str) -> None:
    for key, value in finished(status).items():
        setattr(row, key, value)


def finished(status: str) -> dict:
    """The columns of a row whose work is done (`status`: done, processed, ignored)."""
    return {"status": status, "error": None, "locked_until": None, "next_attempt_at": None}


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


def due_ids(s: Session, model, fresh_status: str, limit: int, where=None, pages: int = 1) -> list[int]:
    """Rows a sweeper should enqueue: never picked up, due for a retry, or abandoned (and `where`).
    One page: the `limit` due longest. More: up to `pages` pages of `limit`, in id order."""
    stmt = select(model.id).where(model.status.in_((fresh_status, FAILED, RUNNING)),
                                  model.next_attempt_at <= utcnow())
    stmt = stmt if where is None else stmt.where(where)
    if pages == 1:
        return list(s.scalars(stmt.order_by(model.next_attempt_at).limit(limit)))
    found: list[int] = []
    for _ in range(pages):
        page = list(s.scalars(stmt.where(model.id > (found[-1] if found else 0)).order_by(model.id).limit(limit)))
        found += page
        if len(page) < limit:
            break
    return found
