"""The shipping window, exactly as the README's "How the promise is computed" describes it."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from shop_plugin.promises.calendar import BusinessCalendar, Skip

DESTINATION_WEEKEND = ("sat", "sun")
Cause = tuple[str, str | None, Skip]  # "origin" | "destination", the calendar's country, a day it skipped


@dataclass(frozen=True)
class Item:
    vendor: str | None = None
    tags: tuple[str, ...] = ()


DATES = ("ship_from", "ship_by", "deliver_from", "deliver_to")
PROMISED = DATES[1:]  # the dates the promise states


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass(frozen=True)
class Window:
    ship_from: date
    ship_by: date
    deliver_from: date | None
    deliver_to: date | None
    adjustments: tuple[dict, ...] = field(default=())  # an order's window: what moved its promised dates
    # per date: the holidays and closures that pushed it, as (calendar, its country, the day skipped)
    causes: dict[str, frozenset[Cause]] = field(default_factory=dict, compare=False, repr=False)

    def as_json(self) -> dict:
        return {**{name: _iso(getattr(self, name)) for name in DATES}, "adjustments": list(self.adjustments)}


def supplier_rules(settings: dict, item: Item) -> dict:
    """The first supplier rule matching the item, over the shop's defaults (omitted fields inherit)."""
    tags = {t.lower() for t in item.tags}
    for rule in settings["suppliers"]:
        if ("vendor" in rule and item.vendor and rule["vendor"].strip().lower() == item.vendor.strip().lower()) or (
                "tag" in rule and rule["tag"].strip().lower() in tags):
            return {k: rule.get(k, settings[k]) for k in ("processing_days", "origin_country", "closed_dates",
                                                          "weekend")}
    return {k: settings[k] for k in ("processing_days", "origin_country", "closed_dates", "weekend")}


def transit_days(settings: dict, country: str | None) -> list[int] | None:
    """[min, max] from the first transit rule naming the country (or "*"); None if none does."""
    for rule in settings["transit"]:
        if rule["countries"] == ["*"] or (country and country.upper() in rule["countries"]):
            return rule["days"]
    return None


def _adjustments(causes: Iterable[Cause]) -> list[dict]:
    """What pushed dates, for the promise to say: each closure with the span the merchant gave, and
    public holidays close together (a weekend apart at most) as one range, such as a whole Lunar New
    Year; origin first, then by country and date."""
    out: list[dict] = []
    runs: dict[tuple, dict] = {}  # the latest holiday range per calendar and country
    for calendar, country, skip in sorted(set(causes), key=lambda c: (c[0] != "origin", c[1] or "", c[2].day)):
        if skip.kind == "closure":
            first, _, last = skip.name.partition("/")
            entry = {"calendar": calendar, "country": country, "kind": "closure", "name": skip.name,
                     "from": first, "to": last}
            if entry not in out:
                out.append(entry)
            continue
        run = runs.get((calendar, country))
        if run and (skip.day - date.fromisoformat(run["to"])).days <= 3:
            run["to"] = skip.day.isoformat()
            if skip.name not in run["name"].split(", "):
                run["name"] += f", {skip.name}"
            continue
        run = runs[calendar, country] = {"calendar": calendar, "country": country, "kind": "holiday",
                                         "name": skip.name, "from": skip.day.isoformat(), "to": skip.day.isoformat()}
        out.append(run)
    return out


def before_cutoff(ordered_at: datetime, timezone: str, cutoff: str) -> bool:
    """Whether the order came before the first instant the local clock read the cut-off that day.
    When the clock goes back, that is its first pass (fold=0), so a later order is never earlier;
    when the clock skips it (spring forward), it is the instant the clock jumps past it."""
    zone, at = ZoneInfo(timezone), time.fromisoformat(cutoff)
    local = ordered_at.astimezone(zone)
    wall = datetime.combine(local.date(), at, tzinfo=zone)  # fold=0: the first pass
    first = wall.astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        # skipped: the clock reads earlier times until the jump and later ones from it
        return local.time() < at
    return ordered_at.astimezone(UTC) < first  # instants: comparing in one zone would ignore fold


def item_window(settings: dict, rules: dict, ordered_at: datetime, country: str | None) -> Window:
    origin = BusinessCalendar.of(rules["origin_country"], rules["weekend"], rules["closed_dates"])
    today = ordered_at.astimezone(ZoneInfo(settings["timezone"])).date()
    start_skips: list[Skip] = []
    if before_cutoff(ordered_at, settings["timezone"], settings["cutoff"]):
        start = origin.add_business_days(today, 0, start_skips)  # today, unless closed
    else:
        start = origin.add_business_days(today, 1, start_skips)
    low, high = rules["processing_days"]
    from_skips, by_skips = list(start_skips), list(start_skips)
    ship_from = origin.add_business_days(start, low, from_skips)
    ship_by = origin.add_business_days(start, high, by_skips)
    causes = {"ship_from": _causes("origin", rules["origin_country"], from_skips),
              "ship_by": _causes("origin", rules["origin_country"], by_skips)}
    deliver_from = deliver_to = None
    days = transit_days(settings, country)
    if days is not None:
        destination = BusinessCalendar.of(country, DESTINATION_WEEKEND)
        in_transit_from: list[Skip] = []
        in_transit_to: list[Skip] = []
        deliver_from = destination.add_business_days(ship_from, days[0], in_transit_from)
        deliver_to = destination.add_business_days(ship_by, days[1], in_transit_to)
        causes["deliver_from"] = causes["ship_from"] | _causes("destination", country, in_transit_from)
        causes["deliver_to"] = causes["ship_by"] | _causes("destination", country, in_transit_to)
    return Window(ship_from, ship_by, deliver_from, deliver_to, causes=causes)  # the order's says what moved it


def _causes(calendar: str, country: str | None, skipped: Iterable[Skip]) -> frozenset[Cause]:
    return frozenset((calendar, country, skip) for skip in skipped)


def order_window(settings: dict, ordered_at: datetime, country: str | None, items: Sequence[Item]) -> Window:
    """The order's promise: the latest dates over its items (one default item if it has none), and
    what pushed those dates: only what the item(s) whose dates they are waited for."""
    windows = [item_window(settings, supplier_rules(settings, i), ordered_at, country) for i in items or [Item()]]
    names = DATES if all(w.deliver_to is not None for w in windows) else DATES[:2]
    latest = {name: max(getattr(w, name) for w in windows) for name in names}
    causes = {name: _what_pushed(windows, name, latest[name]) for name in names}
    return Window(latest["ship_from"], latest["ship_by"], latest.get("deliver_from"), latest.get("deliver_to"),
                  tuple(_adjustments(frozenset().union(*(causes[n] for n in PROMISED if n in causes)))), causes)


def _what_pushed(windows: Sequence[Window], name: str, latest: date) -> frozenset[Cause]:
    """What pushed the order's date: what every item reaching it waited for (with one item, all it
    waited for; what only one of several items reaching it waited for did not make it later)."""
    return frozenset.intersection(*(w.causes[name] for w in windows if getattr(w, name) == latest))
