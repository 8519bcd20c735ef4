"""Business-day calendars: weekends, public holidays (the `holidays` package) and closures.

Counting also reports which holidays or closures it stepped over, so a promise can say
plainly why it is later than usual.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_SEARCH_DAYS = 730  # settings validation keeps calendars from closing for ever


class NoBusinessDay(ValueError):
    """The calendar's weekend and closures leave no business day within MAX_SEARCH_DAYS: there is
    no date to promise. Callers say so (a 422 for a preview, no promise and a log line elsewhere)."""


@dataclass(frozen=True)
class Closure:
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Skip:
    """A day counting stepped over that only a public holiday or a closure closed."""

    day: date
    kind: str  # "holiday" | "closure"
    name: str


@lru_cache(maxsize=512)
def _public_holidays(country: str, year: int) -> dict[date, str]:
    try:
        return dict(holidays.country_holidays(country, years=[year]))
    except NotImplementedError:
        return {}


def parse_closures(values: Iterable[str]) -> tuple[Closure, ...]:
    """'2027-02-05' or '2027-02-05/2027-02-14' (inclusive); validation has checked the form."""
    out = []
    for value in values:
        first, _, last = value.partition("/")
        start = date.fromisoformat(first)
        out.append(Closure(start, date.fromisoformat(last) if last else start))
    return tuple(out)


@dataclass(frozen=True)
class BusinessCalendar:
    country: str | None
    weekend: frozenset[int]
    closures: tuple[Closure, ...] = ()

    @classmethod
    def of(cls, country: str | None, weekend: Iterable[str] = ("sat", "sun"),
           closed_dates: Iterable[str] = ()) -> BusinessCalendar:
        return cls(country.upper() if country else None,
                   frozenset(WEEKDAYS.index(d) for d in weekend), parse_closures(closed_dates))

    def skip_reason(self, day: date) -> Skip | None:
        """The closure, else the public holiday, that falls on `day` (a weekend day or not); None if none."""
        for closure in self.closures:
            if closure.start <= day <= closure.end:
                return Skip(day, "closure", f"{closure.start.isoformat()}/{closure.end.isoformat()}")
        name = _public_holidays(self.country, day.year).get(day) if self.country else None
        return Skip(day, "holiday", name) if name else None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and self.skip_reason(day) is None

    def roll_forward(self, day: date, skipped: list[Skip]) -> date:
        """`day` if it is a business day, else the next one. Days stepped over that a holiday or
        closure alone closes (not weekend days, closed anyway) are appended to `skipped`."""
        first = day
        for _ in range(MAX_SEARCH_DAYS):
            if day.weekday() not in self.weekend:
                reason = self.skip_reason(day)
                if reason is None:
                    return day
                skipped.append(reason)
            day += timedelta(days=1)
        where = f" in the {self.country} calendar" if self.country else ""
        raise NoBusinessDay(f"no business day{where} within {MAX_SEARCH_DAYS} days from {first} "
                            "(closed dates and weekend close every day)")

    def add_business_days(self, day: date, count: int, skipped: list[Skip]) -> date:
        """The `count`-th business day strictly after `day`, whatever `day` is; 0: `day` itself if it
        is a business day, else the next one (a result is never a closed day)."""
        if count == 0:
            return self.roll_forward(day, skipped)
        for _ in range(count):
            day = self.roll_forward(day + timedelta(days=1), skipped)
        return day
