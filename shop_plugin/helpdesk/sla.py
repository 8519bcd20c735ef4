"""Service levels counted in support hours: the shop's working days and hours, minus holidays."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from shop_plugin.promises.calendar import WEEKDAYS, BusinessCalendar
from shop_plugin.validation import Errors

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DEFAULT_SUPPORT_HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00",
                         "holidays_country": None}
DEFAULT_SLA = {
    "urgent": {"first_response_hours": 1, "resolution_hours": 8},
    "high": {"first_response_hours": 4, "resolution_hours": 24},
    "normal": {"first_response_hours": 8, "resolution_hours": 48},
    "low": {"first_response_hours": 24, "resolution_hours": 96},
}
MAX_DAYS = 400


def add_support_hours(start: datetime, hours: float, support: dict, tz: ZoneInfo) -> datetime:
    """The moment `hours` of support time after `start` have passed."""
    calendar = BusinessCalendar.of(support.get("holidays_country"),
                                   [d for d in WEEKDAYS if d not in support["days"]])
    opens, closes = time.fromisoformat(support["start"]), time.fromisoformat(support["end"])
    cursor, remaining = start.astimezone(tz), timedelta(hours=hours)
    for _ in range(MAX_DAYS):
        day = cursor.date()
        if calendar.is_business_day(day):
            window_start = datetime.combine(day, opens, tz)
            window_end = datetime.combine(day, closes, tz)
            cursor = max(cursor, window_start)
            if cursor < window_end:
                if cursor + remaining <= window_end:
                    return cursor + remaining
                remaining -= window_end - cursor
        cursor = datetime.combine(day + timedelta(days=1), time(0), tz)
    raise ValueError("support hours leave no working time within a year")


def support_hours_between(start: datetime, end: datetime, support: dict, tz: ZoneInfo) -> float:
    """Hours of support time from `start` to `end` (0 if end is not after start)."""
    calendar = BusinessCalendar.of(support.get("holidays_country"),
                                   [d for d in WEEKDAYS if d not in support["days"]])
    opens, closes = time.fromisoformat(support["start"]), time.fromisoformat(support["end"])
    start, end = start.astimezone(tz), end.astimezone(tz)
    total, day = timedelta(), start.date()
    while day <= end.date() and (day - start.date()).days <= MAX_DAYS:
        if calendar.is_business_day(day):
            low = max(start, datetime.combine(day, opens, tz))
            high = min(end, datetime.combine(day, closes, tz))
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def _support(settings: dict) -> tuple[dict, ZoneInfo]:
    support = {**DEFAULT_SUPPORT_HOURS, **settings.get("support_hours", {})}
    return support, ZoneInfo(support.get("timezone") or settings["timezone"])


def due_times(created: datetime, priority: str, settings: dict) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a ticket opened at `created`."""
    support, tz = _support(settings)
    target = {**DEFAULT_SLA, **settings.get("sla", {})}[priority]
    return (add_support_hours(created, target["first_response_hours"], support, tz),
            add_support_hours(created, target["resolution_hours"], support, tz))


def next_due(ticket) -> datetime | None:
    """The deadline the inbox sorts on: first response while unanswered, then resolution;
    none while paused (pending) or finished."""
    if ticket.status != "open":
        return None
    return ticket.first_response_due_at if ticket.first_responded_at is None else ticket.resolution_due_at


def pause(ticket, now: datetime) -> None:
    """Waiting on the customer: the clocks stop."""
    if ticket.paused_at is None:
        ticket.paused_at = now


def resume(ticket, now: datetime, settings: dict) -> None:
    """The clocks run again: each deadline keeps the support time it had left when paused."""
    if ticket.paused_at is None:
        return
    support, tz = _support(settings)
    for field in ("first_response_due_at", "resolution_due_at"):
        due = getattr(ticket, field)
        if due is not None and due > ticket.paused_at:
            left = support_hours_between(ticket.paused_at, due, support, tz)
            setattr(ticket, field, add_support_hours(now, left, support, tz))
    ticket.paused_at = None


def flag_breaches(s, now: datetime) -> int:
    """Mark open tickets whose deadline has passed; returns how many were newly flagged."""
    from sqlalchemy import update

    from shop_plugin.helpdesk.models import Ticket

    first = s.execute(update(Ticket).where(
        Ticket.status == "open", Ticket.first_responded_at.is_(None), Ticket.first_response_breached.is_(False),
        Ticket.first_response_due_at < now).values(first_response_breached=True)).rowcount
    resolution = s.execute(update(Ticket).where(
        Ticket.status == "open", Ticket.resolution_breached.is_(False), Ticket.resolution_due_at < now)
        .values(resolution_breached=True)).rowcount
    return first + resolution


def flag_breaches_job() -> int:
    """Periodic job: flag SLA breaches across shops."""
    from shop_plugin.db import utcnow
    from shop_plugin.extensions import session

    flagged = flag_breaches(session(), utcnow())
    session().commit()
    return flagged


def check_support_hours(errors: Errors, path: str, value) -> None:
    allowed = {"days", "start", "end", "holidays_country", "timezone"}
    if not errors.check(isinstance(value, dict) and set(value) <= allowed, path,
                        f"must be an object with {', '.join(sorted(allowed))}"):
        return
    days = value.get("days", DEFAULT_SUPPORT_HOURS["days"])
    errors.check(isinstance(days, list) and bool(days) and all(d in WEEKDAYS for d in days), f"{path}.days",
                 "must list at least one of mon … sun")
    start, end = value.get("start", "09:00"), value.get("end", "18:00")
    if errors.check(isinstance(start, str) and bool(HHMM.match(start)), f"{path}.start", "must be HH:MM") and \
            errors.check(isinstance(end, str) and bool(HHMM.match(end)), f"{path}.end", "must be HH:MM"):
        errors.check(start < end, f"{path}.end", "must be after start")
    zone = value.get("timezone")
    errors.check(zone is None or _known_zone(zone), f"{path}.timezone", "must be an IANA time zone, e.g. Asia/Seoul")
    country = value.get("holidays_country")
    errors.check(country is None or (isinstance(country, str) and bool(re.match(r"^[A-Z]{2}$", country))),
                 f"{path}.holidays_country", "must be a two-letter country code or null")


def _known_zone(name) -> bool:
    from zoneinfo import ZoneInfoNotFoundError

    if not isinstance(name, str) or not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_sla(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, dict) and set(value) <= set(DEFAULT_SLA), path,
                        "must map priorities (urgent, high, normal, low) to targets"):
        return
    for priority, target in value.items():
        at = f"{path}.{priority}"
        keys = {"first_response_hours", "resolution_hours"}
        if errors.check(isinstance(target, dict) and set(target) == keys, at,
                        "must give first_response_hours and resolution_hours"):
            for key in sorted(keys):
                v = target[key]
                errors.check(isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 24 * 30,
                             f"{at}.{key}", "must be a number of hours up to 720")
