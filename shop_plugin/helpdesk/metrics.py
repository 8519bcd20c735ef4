"""Helpdesk metrics for a period, computed in SQL on SQLite and PostgreSQL alike.

Definitions (tickets "in range" are the shop's tickets created in [start, end)):

- first_response: minutes from created_at to first_responded_at (the first reply to the
  customer), over tickets in range that have one; median and p90 by the nearest-rank method
  (the value at rank ceil(p * n)), as in the delay statistics. null without data.
- resolution: the same for resolved_at (resolved or closed) minus created_at.
- sla_met_pct: among tickets in range with a deadline (a first-response or resolution due
  time), the percentage that met it: no breach flag, a first response (if any) at or before its
  due time, a finish (if any) at or before the resolution due time, and, while unfinished, no
  deadline already past at `now` (an open, unanswered ticket past its first-response time; an
  open ticket past its resolution time; pending tickets' clocks are stopped). One decimal; null when no
  ticket in range has a deadline.
- volume_by_reason: tickets in range per reason. volume_by_day: per day in the shop's time zone
  and reason, oldest first (days without tickets are left out).
- csat: count and average rating (1 to 5, two decimals) of tickets in range that were rated.
- breaches: tickets in range flagged for a first-response, or a resolution, breach.
- open, overdue: right now, whatever the range: tickets open or pending, and open tickets whose
  next deadline (due_at) has passed.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, and_, case, cast, func, not_, or_, select
from sqlalchemy.orm import Session

from shop_plugin.db import dialect_name, utcnow
from shop_plugin.helpdesk.models import OPEN_STATUSES, Ticket
from shop_plugin.shops.models import Shop

BUCKET_SECONDS = 900  # every UTC offset in use is a multiple of 15 minutes


def _minutes(dialect: str, later, earlier):
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 60.0
    return (func.julianday(later) - func.julianday(earlier)) * 1440.0


def _bucket(dialect: str):
    """The 15-minute slot of created_at, as seconds since the epoch / 900 (exact integers)."""
    if dialect == "postgresql":
        seconds = cast(func.floor(func.extract("epoch", Ticket.created_at)), BigInteger)
    else:
        seconds = cast(func.strftime("%s", Ticket.created_at), BigInteger)
    return seconds // BUCKET_SECONDS


def _in_range(shop: Shop, start: datetime, end: datetime):
    return and_(Ticket.shop_id == shop.id, Ticket.created_at >= start, Ticket.created_at < end)


def _percentiles(s: Session, where, value, present) -> dict:
    """Median and p90 (nearest rank) of `value` over the rows where `present`, in minutes."""
    values = select(value.label("v")).where(where, present).subquery()
    ranked = select(values.c.v, func.row_number().over(order_by=values.c.v).label("r"),
                    func.count().over().label("n")).subquery()
    median, p90 = s.execute(select(func.min(case((ranked.c.r >= 0.5 * ranked.c.n, ranked.c.v))),
                                   func.min(case((ranked.c.r >= 0.9 * ranked.c.n, ranked.c.v))))).one()
    return {"median_minutes": _round(median, 1), "p90_minutes": _round(p90, 1)}


def _round(value, digits: int):
    return None if value is None else round(float(value), digits)


def _met(now: datetime):
    """A ticket with deadlines met them (see the module docstring)."""
    t = Ticket
    running = and_(t.status == "open", t.resolved_at.is_(None))  # pending tickets' clocks are stopped
    return and_(
        not_(t.first_response_breached), not_(t.resolution_breached),
        or_(t.first_responded_at.is_(None), t.first_response_due_at.is_(None),
            t.first_responded_at <= t.first_response_due_at),
        or_(t.resolved_at.is_(None), t.resolution_due_at.is_(None), t.resolved_at <= t.resolution_due_at),
        not_(and_(running, t.first_responded_at.is_(None), t.first_response_due_at.is_not(None),
                  t.first_response_due_at < now)),
        not_(and_(running, t.resolution_due_at.is_not(None), t.resolution_due_at < now)),
    )


def _totals(s: Session, where, now: datetime) -> dict:
    has_due = or_(Ticket.first_response_due_at.is_not(None), Ticket.resolution_due_at.is_not(None))
    row = s.execute(select(
        func.sum(case((has_due, 1), else_=0)).label("with_due"),
        func.sum(case((and_(has_due, _met(now)), 1), else_=0)).label("met"),
        func.sum(case((Ticket.first_response_breached, 1), else_=0)).label("first_breaches"),
        func.sum(case((Ticket.resolution_breached, 1), else_=0)).label("resolution_breaches"),
        func.count(Ticket.csat_rating).label("rated"), func.avg(Ticket.csat_rating).label("rating"),
    ).where(where)).one()
    return {
        "sla_met_pct": round(100.0 * (row.met or 0) / row.with_due, 1) if row.with_due else None,
        "csat": {"count": row.rated, "average": _round(row.rating, 2)},
        "breaches": {"first_response": row.first_breaches or 0, "resolution": row.resolution_breaches or 0},
    }


def _volume(s: Session, where, dialect: str, tz: ZoneInfo) -> dict:
    bucket = _bucket(dialect).label("bucket")
    rows = s.execute(select(bucket, Ticket.reason, func.count()).where(where).group_by(bucket, Ticket.reason))
    by_day: Counter = Counter()
    for slot, reason, count in rows:
        by_day[(datetime.fromtimestamp(slot * BUCKET_SECONDS, tz).date().isoformat(), reason)] += count
    by_reason: Counter = Counter()
    for (_, reason), count in by_day.items():
        by_reason[reason] += count
    return {"volume_by_reason": dict(sorted(by_reason.items())),
            "volume_by_day": [{"date": day, "reason": reason, "count": count}
                              for (day, reason), count in sorted(by_day.items())]}


def _now_counts(s: Session, shop: Shop, now: datetime) -> dict:
    row = s.execute(select(
        func.count().label("open"),
        func.sum(case((and_(Ticket.status == "open", Ticket.due_at < now), 1), else_=0)).label("overdue"),
    ).where(Ticket.shop_id == shop.id, Ticket.status.in_(OPEN_STATUSES))).one()
    return {"open": row.open, "overdue": row.overdue or 0}


def compute(s: Session, *, shop: Shop, start: datetime, end: datetime, now: datetime | None = None,
            timezone: str | None = None) -> dict:
    """The dashboard's numbers for tickets created in [start, end); days in `timezone` (default:
    the shop's setting)."""
    from shop_plugin.promises import service as promises

    now = now or utcnow()
    timezone = timezone or promises.get_settings(s, shop=shop)[0]["timezone"]
    dialect = dialect_name(s)
    where = _in_range(shop, start, end)
    return {
        "first_response": _percentiles(s, where, _minutes(dialect, Ticket.first_responded_at, Ticket.created_at),
                                       Ticket.first_responded_at.is_not(None)),
        "resolution": _percentiles(s, where, _minutes(dialect, Ticket.resolved_at, Ticket.created_at),
                                   Ticket.resolved_at.is_not(None)),
        **_totals(s, where, now),
        **_volume(s, where, dialect, ZoneInfo(timezone)),
        **_now_counts(s, shop, now),
    }
