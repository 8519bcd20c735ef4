"""Checks on a calendar's closed dates: their exact form, how many days they cover, and how long
they leave the supplier without a working day once its weekend is added.

The window searches at most `calendar.MAX_SEARCH_DAYS` (730) days for a business day; these
limits keep every accepted calendar well inside that, public holidays included.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

MAX_ENTRIES = 366  # dates or ranges per calendar
MAX_DAYS = 366  # days one range, and all of a calendar's closures together, may cover
MAX_RUN = 400  # days in a row without a working day, closures and weekend together
DATE = r"([0-9]{4}-[0-9]{2}-[0-9]{2})"  # date.fromisoformat also takes 20270205, 2027-W05-5, …
CLOSED_RE = re.compile(rf"{DATE}(?:/{DATE})?")
DAY = timedelta(days=1)


def parse(item) -> tuple[date, date] | None:
    """(first, last) of "YYYY-MM-DD" or "YYYY-MM-DD/YYYY-MM-DD" covering at most MAX_DAYS; else None."""
    match = CLOSED_RE.fullmatch(item) if isinstance(item, str) else None
    if match is None:
        return None
    try:
        first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2] or match[1])
    except ValueError:  # 2027-02-30
        return None
    return (first, last) if first <= last and (last - first).days < MAX_DAYS else None


def merged(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The same days as `spans`, as sorted ranges that neither overlap nor touch."""
    out: list[tuple[date, date]] = []
    for first, last in sorted(spans):
        if out and (first - out[-1][1]).days <= 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def covered(spans: list[tuple[date, date]]) -> int:
    """How many distinct days the ranges cover."""
    return sum((last - first).days + 1 for first, last in merged(spans))


def longest_run(spans: list[tuple[date, date]], weekend: set[int]) -> tuple[int, date | None, date | None]:
    """(length, first, last) of the longest stretch of days that are closed or weekend days and that
    includes a closure. For calendars covering at most MAX_DAYS days (it walks through them)."""
    closed = {first + n * DAY for first, last in merged(spans) for n in range((last - first).days + 1)}

    def shut(day: date) -> bool:
        return day in closed or day.weekday() in weekend

    best: tuple[int, date | None, date | None] = (0, None, None)
    end = date.min
    for day in sorted(closed):
        if day <= end:
            continue  # in the stretch already measured
        start = end = day
        while start > date.min and shut(start - DAY):  # weekend days only: earlier closures are measured
            start -= DAY
        while end < date.max and shut(end + DAY):
            end += DAY
        best = max(best, ((end - start).days + 1, start, end), key=lambda run: run[0])
    return best
