"""The shipping window, exactly as the README's "How the promise is computed" describes it."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shop_plugin.promises.calendar import BusinessCalendar, Skip

DESTINATION_WEEKEND = ("sat", "sun")


@dataclass(frozen=True)
class Item:
    vendor: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Window:
    ship_from: date
    ship_by: date
    deliver_from: date | None
    deliver_to: date | None
    adjustments: tuple[dict, ...] = field(default=())

    def as_json(self) -> dict:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {"ship_from": iso(self.ship_from), "ship_by": iso(self.ship_by),
                "deliver_from": iso(self.deliver_from), "deliver_to": iso(self.deliver_to),
                "adjustments": list(self.adjustments)}


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


def _adjustments(calendar: str, country: str | None, skipped: Iterable[Skip]) -> list[dict]:
    """Skipped days close together (a weekend apart at most) become one range per kind:
    one closure, or one run of public holidays such as a whole Lunar New Year."""
    out: list[dict] = []
    for skip in sorted(set(skipped), key=lambda s: s.day):
        last = out[-1] if out else None
        same = last and last["kind"] == skip.kind and (skip.kind == "holiday" or last["name"] == skip.name)
        if same and (skip.day - date.fromisoformat(last["to"])).days <= 3:
            last["to"] = skip.day.isoformat()
            if skip.name not in last["name"].split(", "):
                last["name"] += f", {skip.name}"
            continue
        out.append({"calendar": calendar, "country": country, "kind": skip.kind, "name": skip.name,
                    "from": skip.day.isoformat(), "to": skip.day.isoformat()})
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
    local = ordered_at.astimezone(ZoneInfo(settings["timezone"]))
    origin_skips: list[Skip] = []
    early = before_cutoff(ordered_at, settings["timezone"], settings["cutoff"])
    if early and origin.is_business_day(local.date()):
        start = local.date()
    else:
        closed_today = origin.skip_reason(local.date())
        if early and closed_today:  # it would have started today but for this
            origin_skips.append(closed_today)
        start = origin.roll_forward(local.date() + timedelta(days=1), origin_skips)
    low, high = rules["processing_days"]
    ship_from = origin.add_business_days(start, low, origin_skips)
    ship_by = origin.add_business_days(start, high, origin_skips)
    adjustments = _adjustments("origin", rules["origin_country"], origin_skips)
    days = transit_days(settings, country)
    if days is None:
        return Window(ship_from, ship_by, None, None, tuple(adjustments))
    destination = BusinessCalendar.of(country, DESTINATION_WEEKEND)
    dest_skips: list[Skip] = []
    deliver_from = destination.add_business_days(ship_from, days[0], dest_skips)
    deliver_to = destination.add_business_days(ship_by, days[1], dest_skips)
    adjustments += _adjustments("destination", country, dest_skips)
    return Window(ship_from, ship_by, deliver_from, deliver_to, tuple(adjustments))


def order_window(settings: dict, ordered_at: datetime, country: str | None, items: Sequence[Item]) -> Window:
    """The order's promise: the latest dates over its items (one default item if it has none)."""
    windows = [item_window(settings, supplier_rules(settings, i), ordered_at, country) for i in items or [Item()]]
    delivers = [w for w in windows if w.deliver_to is not None]
    adjustments: list[dict] = []
    for w in windows:
        adjustments += [a for a in w.adjustments if a not in adjustments]
    return Window(
        ship_from=max(w.ship_from for w in windows),
        ship_by=max(w.ship_by for w in windows),
        deliver_from=max((w.deliver_from for w in delivers), default=None) if len(delivers) == len(windows) else None,
        deliver_to=max((w.deliver_to for w in delivers), default=None) if len(delivers) == len(windows) else None,
        adjustments=tuple(adjustments),
    )
