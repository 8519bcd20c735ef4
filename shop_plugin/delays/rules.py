"""The delay rules, as pure functions of an order's state, its promise and the time.

`evaluate` answers which reasons hold now and when the order next needs a look, so the
scan only visits orders that are due.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from shop_plugin.validation import Errors

REASONS = ("late_dispatch", "no_tracking", "not_picked_up", "stalled", "delivery_exception", "past_promise",
           "likely_lost")
DEFAULT_RULES = {
    "late_dispatch": {"enabled": True},
    "no_tracking": {"enabled": True, "days": 2},
    "not_picked_up": {"enabled": True, "days": 4},
    "stalled": {"enabled": True, "days": 7},
    "delivery_exception": {"enabled": True},
    "past_promise": {"enabled": True},
    "likely_lost": {"enabled": True, "days": 14},
}
# Refund-prompt triggers raised by delays (see `_prompts`): delivery ends every one of them.
PROMPT_TRIGGERS = ("past_promise", "likely_lost", "delivery_exception")
MOVING = {"carrier_picked_up", "picked_up", "in_transit", "out_for_delivery", "attempted_delivery",
          "ready_for_pickup", "delivered", "delayed", "failure"}
EXCEPTIONS = {"failure", "attempted_delivery", "delayed"}


@dataclass(frozen=True)
class Shipment:
    created_at: datetime
    tracked: bool
    events: tuple[tuple[str, datetime], ...] = ()  # (status, happened_at), oldest first
    delivered: bool = False


class Snapshot(NamedTuple):
    """What the rules need to know about one order (a named tuple: immutable, and made for every
    order the scan looks at, four times faster than a frozen dataclass)."""

    cancelled: bool
    refunded: bool
    shipments: tuple[Shipment, ...]
    ship_by: date | None
    deliver_to: date | None

    @property
    def delivered(self) -> bool:
        return bool(self.shipments) and all(s.delivered for s in self.shipments)


@dataclass
class Verdict:
    reasons: dict[str, str] = field(default_factory=dict)  # reason → what was detected
    prompts: set[str] = field(default_factory=set)  # refund-prompt triggers that hold now
    next_check_at: datetime | None = None
    closed_state: str | None = None  # delivered | cancelled | refunded: the order leaves the scan

    def due(self, when: datetime, now: datetime) -> None:
        if when > now and (self.next_check_at is None or when < self.next_check_at):
            self.next_check_at = when


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tz)


@lru_cache(maxsize=8192)
def _end_utc(day: date, tz: ZoneInfo, days_later: int = 0) -> datetime:
    """The end of `day` in the shop's zone, `days_later` days on by its calendar, as a UTC instant:
    datetimes with one tzinfo compare without asking the zone for offsets (the scan compares
    millions), and a page's orders share few dates."""
    return (end_of_day(day, tz) + timedelta(days=days_later)).astimezone(UTC)


@dataclass(frozen=True)
class RuleSet:
    """A shop's `delay_rules` worked out once (the scan judges many orders of a shop): which
    reasons are on, and how many days each waits."""

    on: frozenset[str]
    days: dict[str, timedelta]

    @classmethod
    def of(cls, rules: dict) -> RuleSet:
        return cls(on=frozenset(r for r in REASONS if rules.get(r, DEFAULT_RULES[r]).get("enabled", True)),
                   days={r: timedelta(days=rules.get(r, DEFAULT_RULES[r]).get("days", DEFAULT_RULES[r].get("days", 0)))
                         for r in REASONS})


def evaluate(snap: Snapshot, rules: dict | RuleSet, tz: ZoneInfo, now: datetime,
             prompt_after: dict | None = None) -> Verdict:
    """Which reasons hold, which refund prompts are due, and when to look again.

    `rules`: the `delay_rules` settings, or a RuleSet made of them.
    `prompt_after`: days a `past_promise` or `delivery_exception` must last before a refund
    prompt (likely_lost prompts at once); None: no prompts."""
    verdict = Verdict()
    for state in ("cancelled", "refunded", "delivered"):
        if getattr(snap, state):
            verdict.closed_state = state
            return verdict
    ruleset = rules if isinstance(rules, RuleSet) else RuleSet.of(rules)
    on, days = ruleset.on, ruleset.days
    if now.tzinfo is not UTC:
        now = now.astimezone(UTC)

    def check(reason: str, since: datetime, detail: str | Callable[[], str]) -> None:
        if reason not in on:
            return
        if now >= since:
            if reason not in verdict.reasons:  # the first detail found stays; a callable is worded only now
                verdict.reasons[reason] = detail if isinstance(detail, str) else detail()
        else:
            verdict.due(since, now)

    if not snap.shipments and snap.ship_by:
        check("late_dispatch", _end_utc(snap.ship_by, tz), lambda: f"not dispatched by the end of {snap.ship_by}")
    for n, shipment in enumerate(snap.shipments, 1):
        moving = [at for status, at in shipment.events if status in MOVING]
        if not shipment.tracked:
            check("no_tracking", shipment.created_at + days["no_tracking"],
                  f"fulfilment {n} has no tracking number {days['no_tracking'].days} days after dispatch")
        elif not moving:
            check("not_picked_up", shipment.created_at + days["not_picked_up"],
                  f"fulfilment {n}: no carrier pickup {days['not_picked_up'].days} days after the label")
        if moving and not shipment.delivered:
            last = max(at for _, at in shipment.events)
            check("stalled", last + days["stalled"],
                  f"fulfilment {n}: no carrier update for {days['stalled'].days} days")
        if shipment.events and shipment.events[-1][0] in EXCEPTIONS and not shipment.delivered:
            status, at = shipment.events[-1]
            check("delivery_exception", at, f"fulfilment {n}: carrier reported {status} at {at.isoformat()}")
    if snap.deliver_to:
        check("past_promise", _end_utc(snap.deliver_to, tz), lambda: f"not delivered by the end of {snap.deliver_to}")
        if snap.shipments:  # a parcel lost in transit; an order never sent stays a late dispatch past its promise
            check("likely_lost", _end_utc(snap.deliver_to, tz, days["likely_lost"].days),
                  lambda: f"not delivered {days['likely_lost'].days} days after {snap.deliver_to}")
    if prompt_after is not None:
        _prompts(verdict, snap, tz, now, prompt_after)
    return verdict


def _prompts(verdict: Verdict, snap: Snapshot, tz: ZoneInfo, now: datetime, after: dict) -> None:
    """Refund prompts due from lasting delays: they cost more the longer the customer waits."""
    def due(trigger: str, since: datetime) -> None:
        if now >= since:
            verdict.prompts.add(trigger)
        else:
            verdict.due(since, now)

    if "likely_lost" in verdict.reasons:
        verdict.prompts.add("likely_lost")
    if "past_promise" in verdict.reasons or (snap.deliver_to and "past_promise" not in verdict.reasons
                                             and now < _end_utc(snap.deliver_to, tz)):
        due("past_promise", _end_utc(snap.deliver_to, tz, after["past_promise_days"]))
    if "delivery_exception" in verdict.reasons:
        since = max(at for s in snap.shipments for status, at in s.events if status in EXCEPTIONS)
        due("delivery_exception", since + timedelta(days=after["delivery_exception_days"]))


def check_rules(errors: Errors, path: str, value) -> None:
    """Validate the `delay_rules` settings section."""
    if not errors.check(isinstance(value, dict) and set(value) <= set(REASONS), path,
                        f"must map rule names ({', '.join(REASONS)}) to settings"):
        return
    for reason, rule in value.items():
        at = f"{path}.{reason}"
        allowed = {"enabled", "days"} if "days" in DEFAULT_RULES[reason] else {"enabled"}
        if not errors.check(isinstance(rule, dict) and set(rule) <= allowed, at,
                            f"must be an object with {' and '.join(sorted(allowed))}"):
            continue
        errors.check(isinstance(rule.get("enabled", True), bool), f"{at}.enabled", "must be true or false")
        if "days" in rule:
            errors.check(type(rule["days"]) is int and 1 <= rule["days"] <= 90, f"{at}.days", "must be 1 to 90 days")
