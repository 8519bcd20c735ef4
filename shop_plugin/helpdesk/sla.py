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


def due_times(created: datetime, priority: str, settings: dict) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a ticket opened at `created`."""
    support = {**DEFAULT_SUPPORT_HOURS, **settings.get("support_hours", {})}
    tz = ZoneInfo(support.get("timezone") or settings["timezone"])
    target = {**DEFAULT_SLA, **settings.get("sla", {})}[priority]
    return (add_support_hours(created, target["first_response_hours"], support, tz),
            add_support_hours(created, target["resolution_hours"], support, tz))


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
    country = value.get("holidays_country")
    errors.check(country is None or (isinstance(country, str) and bool(re.match(r"^[A-Z]{2}$", country))),
                 f"{path}.holidays_country", "must be a two-letter country code or null")


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
