"""The shop's shipping rules: defaults, and validation that names the field at fault.

`validate` returns (settings, errors); settings are the defaults overlaid with what the
merchant sent, errors map a field path ("transit.0.days") to a message. Nothing is saved
unless errors is empty.
"""
from __future__ import annotations

import copy
import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from shop_plugin.helpdesk.desk_settings import DEFAULT_AUTO_ACK, DEFAULT_TAG_RULES
from shop_plugin.promises import closures
from shop_plugin.promises.calendar import WEEKDAYS
from shop_plugin.validation import Errors

LOCALE_RE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
CUTOFF_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_DAYS = 120
MAX_SUPPLIERS = 200
MAX_TRANSIT_RULES = 250
MAX_COUNTRIES = 250  # per transit rule, and customs destinations (there are 249 ISO countries)
MAX_LOCALES = 100  # per text given in several languages
MAX_MATCH = 255  # characters of a supplier rule's vendor or tag (Shopify's own limit)

DEFAULTS: dict = {
    "timezone": "UTC",
    "cutoff": "14:00",
    "processing_days": [1, 3],
    "origin_country": "CN",
    "weekend": ["sat", "sun"],
    "closed_dates": [],
    "transit": [{"countries": ["*"], "days": [7, 15]}],
    "suppliers": [],
    "policies": {"returns_days": 30, "refund": {}, "customs": {"countries": [], "text": {}}, "support": {}},
    "texts": {},
    "email": {"enabled": False, "from_name": None, "reply_to": None},
    "delay_rules": {},
    "support_hours": {},
    "sla": {},
    "refund_rules": {},
    "customer_choice": {},
    "tag_rules": DEFAULT_TAG_RULES,
    "auto_ack": DEFAULT_AUTO_ACK,
}
EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def defaults() -> dict:
    return copy.deepcopy(DEFAULTS)


def _days(errors: Errors, path: str, value) -> None:
    ok = (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value))
    errors.check(ok and 0 <= value[0] <= value[1] <= MAX_DAYS, path,
                 f"must be [min, max] whole days with 0 ≤ min ≤ max ≤ {MAX_DAYS}")


def _country(errors: Errors, path: str, value) -> None:
    errors.check(isinstance(value, str) and bool(COUNTRY_RE.match(value)), path,
                 "must be a two-letter ISO country code such as KR")


def _weekend(errors: Errors, path: str, value) -> None:
    ok = isinstance(value, list) and all(v in WEEKDAYS for v in value) and len(set(value)) == len(value) < 7
    errors.check(ok, path, "must list at most six of mon, tue, wed, thu, fri, sat, sun, each once")


def _closed_dates(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, list) and len(value) <= closures.MAX_ENTRIES, path,
                        f"must be a list of up to {closures.MAX_ENTRIES} dates or date ranges"):
        return
    spans = []
    for i, item in enumerate(value):
        span = closures.parse(item)
        if errors.check(span is not None, f"{path}.{i}",
                        f"must be YYYY-MM-DD or YYYY-MM-DD/YYYY-MM-DD (up to {closures.MAX_DAYS} days)"):
            spans.append(span)
    days = closures.covered(spans)
    errors.check(days <= closures.MAX_DAYS, path, f"closes on {days} days in all; a calendar's closures may "
                                                  f"cover up to {closures.MAX_DAYS} days together")


def _working_days(errors: Errors, settings: dict) -> None:
    """Each calendar (the shop's, and each supplier's with what it inherits) leaves a working day at
    least every closures.MAX_RUN days, so a window can always be computed. Run on valid calendars."""
    calendars = [("closed_dates", settings["weekend"], settings["closed_dates"])]
    for i, rule in enumerate(settings["suppliers"]):
        if "weekend" in rule or "closed_dates" in rule:
            calendars.append((f"suppliers.{i}.{'closed_dates' if 'closed_dates' in rule else 'weekend'}",
                              rule.get("weekend", settings["weekend"]),
                              rule.get("closed_dates", settings["closed_dates"])))
    for path, weekend, closed in calendars:
        length, first, last = closures.longest_run([span for span in map(closures.parse, closed) if span],
                                                   {WEEKDAYS.index(d) for d in weekend})
        errors.check(length <= closures.MAX_RUN, path,
                     f"with the weekend, leaves no working day from {first} to {last} ({length} days); "
                     f"at most {closures.MAX_RUN} days in a row")


def _texts(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, dict) and len(value) <= MAX_LOCALES, path,
                        f"must map up to {MAX_LOCALES} locales (en, ko, id, …) to text"):
        return
    for locale, text in value.items():
        errors.check(bool(LOCALE_RE.match(str(locale))), f"{path}.{locale}", "is not a locale code like en or pt-BR")
        errors.check(isinstance(text, str) and len(text) <= 2000, f"{path}.{locale}",
                     "must be text up to 2000 characters")


def _transit(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, list) and len(value) <= MAX_TRANSIT_RULES, path,
                        f"must be a list of up to {MAX_TRANSIT_RULES} {{countries, days}} rules"):
        return
    for i, rule in enumerate(value):
        if not errors.check(isinstance(rule, dict) and set(rule) == {"countries", "days"}, f"{path}.{i}",
                            "must be {\"countries\": [...], \"days\": [min, max]}"):
            continue
        countries = rule["countries"]
        ok = isinstance(countries, list) and 0 < len(countries) <= MAX_COUNTRIES and (
            countries == ["*"] or all(isinstance(c, str) and COUNTRY_RE.match(c) for c in countries))
        errors.check(ok, f"{path}.{i}.countries",
                     f"must be [\"*\"] or two-letter country codes (up to {MAX_COUNTRIES})")
        _days(errors, f"{path}.{i}.days", rule["days"])


def _suppliers(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, list) and len(value) <= MAX_SUPPLIERS, path,
                        f"must be a list of up to {MAX_SUPPLIERS} supplier rules"):
        return
    allowed = {"vendor", "tag", "processing_days", "origin_country", "closed_dates", "weekend"}
    for i, rule in enumerate(value):
        at = f"{path}.{i}"
        if not errors.check(isinstance(rule, dict) and set(rule) <= allowed, at,
                            f"must be an object with keys among {', '.join(sorted(allowed))}"):
            continue
        keys = [k for k in ("vendor", "tag") if k in rule]
        errors.check(len(keys) == 1 and isinstance(rule[keys[0]], str) and 0 < len(rule[keys[0]].strip()) <= MAX_MATCH,
                     at, f"must match exactly one of vendor or tag (up to {MAX_MATCH} characters)")
        for key, check in (("processing_days", _days), ("origin_country", _country),
                           ("closed_dates", _closed_dates), ("weekend", _weekend)):
            if key in rule:
                check(errors, f"{at}.{key}", rule[key])


def _policies(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, dict) and set(value) <= {"returns_days", "refund", "customs", "support"},
                        path, "must have only returns_days, refund, customs and support"):
        return
    days = value.get("returns_days", 30)
    errors.check(type(days) is int and 0 <= days <= 365, f"{path}.returns_days", "must be 0 to 365 days")
    for key in ("refund", "support"):
        _texts(errors, f"{path}.{key}", value.get(key, {}))
    customs = value.get("customs", {"countries": [], "text": {}})
    if errors.check(isinstance(customs, dict) and set(customs) <= {"countries", "text"}, f"{path}.customs",
                    "must be {\"countries\": [...], \"text\": {...}}"):
        countries = customs.get("countries", [])
        if errors.check(isinstance(countries, list) and len(countries) <= MAX_COUNTRIES, f"{path}.customs.countries",
                        f"must be a list of up to {MAX_COUNTRIES} two-letter country codes"):
            for i, c in enumerate(countries):
                _country(errors, f"{path}.customs.countries.{i}", c)
        _texts(errors, f"{path}.customs.text", customs.get("text", {}))


@cache
def _zones() -> frozenset[str]:
    """available_timezones() walks the zone database on disk on every call: read it once."""
    return frozenset(available_timezones())


def _timezone(errors: Errors, path: str, value) -> None:
    try:
        ok = isinstance(value, str) and value in _zones() and ZoneInfo(value) is not None
    except (ZoneInfoNotFoundError, ValueError):
        ok = False
    errors.check(ok, path, "must be an IANA time zone such as Asia/Seoul")


CHECKS = {
    "timezone": _timezone,
    "cutoff": lambda e, p, v: e.check(isinstance(v, str) and bool(CUTOFF_RE.match(v)), p, "must be HH:MM (24-hour)"),
    "processing_days": _days,
    "origin_country": _country,
    "weekend": _weekend,
    "closed_dates": _closed_dates,
    "transit": _transit,
    "suppliers": _suppliers,
    "policies": _policies,
    "texts": lambda e, p, v: _templates(e, p, v),
    "email": lambda e, p, v: _email(e, p, v),
    "delay_rules": lambda e, p, v: check_rules(e, p, v),
    "support_hours": lambda e, p, v: check_support_hours(e, p, v),
    "sla": lambda e, p, v: check_sla(e, p, v),
    "refund_rules": lambda e, p, v: check_refund_rules(e, p, v),
    "customer_choice": lambda e, p, v: check_customer_choice(e, p, v),
    "tag_rules": lambda e, p, v: check_tag_rules(e, p, v),
    "auto_ack": lambda e, p, v: check_auto_ack(e, p, v),
}


def _email(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, dict) and set(value) <= {"enabled", "from_name", "reply_to"}, path,
                        "must be {\"enabled\": true|false, \"from_name\"?, \"reply_to\"?}"):
        return
    errors.check(isinstance(value.get("enabled", False), bool), f"{path}.enabled", "must be true or false")
    name = value.get("from_name")
    errors.check(name is None or (isinstance(name, str) and 0 < len(name) <= 100 and name.isprintable()),
                 f"{path}.from_name", "must be a name up to 100 characters, on one line")
    reply = value.get("reply_to")
    errors.check(reply is None or (isinstance(reply, str) and bool(EMAIL_RE.fullmatch(reply))), f"{path}.reply_to",
                 "must be an email address")


def _templates(errors: Errors, path: str, value) -> None:
    """Per locale, the merchant's wording for the promise texts and the delay notices' first sentence."""
    from shop_plugin.notify.wording import MERCHANT_TEXTS
    from shop_plugin.promises.text import TEMPLATE_NAMES

    names = TEMPLATE_NAMES + MERCHANT_TEXTS
    if not errors.check(isinstance(value, dict) and len(value) <= MAX_LOCALES, path,
                        f"must map up to {MAX_LOCALES} locales to {{template name: text}}"):
        return
    for locale, templates in value.items():
        at = f"{path}.{locale}"
        errors.check(bool(LOCALE_RE.match(str(locale))), at, "is not a locale code like en or pt-BR")
        if errors.check(isinstance(templates, dict) and set(templates) <= set(names), at,
                        f"must map template names ({', '.join(names)}) to text"):
            for name, text in templates.items():
                errors.check(isinstance(text, str) and len(text) <= 2000, f"{at}.{name}",
                             "must be text up to 2000 characters")


def overlay(document: dict, base: dict) -> dict:
    """A saved (already validated) document over the defaults. Shallow: settings are read, never
    changed in place, so the defaults' nested values can be shared (the scan reads thousands)."""
    return {**base, **document}


def validate(document, base: dict | None = None) -> tuple[dict, dict]:
    """Overlay `document` on `base` (default: the defaults); return (settings, errors)."""
    errors = Errors()
    settings = copy.deepcopy(base) if base is not None else defaults()
    if not errors.check(isinstance(document, dict), "", "settings must be a JSON object"):
        return settings, dict(errors)
    for key, value in document.items():
        if not errors.check(key in CHECKS, key, "is not a setting"):
            continue
        CHECKS[key](errors, key, value)
        settings[key] = value
    if not any(path.split(".")[0] in ("weekend", "closed_dates", "suppliers") for path in errors):
        _working_days(errors, settings)
    return settings, dict(errors)


from shop_plugin.delays.rules import check_rules  # noqa: E402 - sections owned by later domains
from shop_plugin.helpdesk.desk_settings import check_auto_ack, check_tag_rules  # noqa: E402
from shop_plugin.helpdesk.sla import check_sla, check_support_hours  # noqa: E402
from shop_plugin.refunds.choice_settings import check_customer_choice  # noqa: E402
from shop_plugin.refunds.cost import check_refund_rules  # noqa: E402
