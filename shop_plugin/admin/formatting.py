"""Template filters for the admin pages: times in the shop's zone, SLA due times in words, labels."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint

from shop_plugin.db import parse_time, utcnow
from shop_plugin.helpdesk.staff import display_name


def _moment(value) -> datetime | None:
    return value if isinstance(value, datetime) else parse_time(value)


def local_time(value, timezone: str, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A UTC time (datetime or ISO text) in the shop's zone; "" when there is none."""
    moment = _moment(value)
    return moment.astimezone(ZoneInfo(timezone)).strftime(fmt) if moment else ""


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def due_in(value, now: datetime | None = None) -> str:
    """"in 3 h 20 min" or "2 h 5 min ago"; "" without a due time."""
    moment = _moment(value)
    if moment is None:
        return ""
    seconds = (moment - (now or utcnow())).total_seconds()
    return f"in {_span(seconds)}" if seconds >= 0 else f"{_span(seconds)} ago"


def words(value) -> str:
    """A code such as "late_dispatch" as words: "late dispatch"."""
    return str(value or "").replace("_", " ")


def minutes_as_hours(value) -> str:
    return "—" if value is None else f"{value / 60:.1f} h"


def register_filters(bp: Blueprint) -> None:
    for name, fn in (("local_time", local_time), ("due_in", due_in), ("words", words),
                     ("hours", minutes_as_hours), ("staff_name", display_name)):
        bp.add_app_template_filter(fn, name)
