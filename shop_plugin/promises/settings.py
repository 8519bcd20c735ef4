"""The shop's shipping rules: defaults, and validation that names the field at fault.

`validate` returns (settings, errors); settings are the defaults overlaid with what the
merchant sent, errors map a field path ("transit.0.days") to a message. Nothing is saved
unless errors is empty.
"""
from __future__ import annotations

import copy
import re
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from shop_plugin.helpdesk.desk_settings import DEFAULT_AUTO_ACK, DEFAULT_TAG_RULES
from shop_plugin.promises.calendar import WEEKDAYS
from shop_plugin.validation import Errors

LOCALE_RE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
CUTOFF_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CLOSED_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:/([0-9]{4}-[0-9]{2}-[0-9]{2}))?")  # fromisoformat takes more
MAX_DAYS = 120
MAX_CLOSED_DAYS = 366  # days one closure may cover

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
    if not errors.check(isinstance(value, list), path, "must be a list of dates or date ranges"):
        return
    for i, item in enumerate(value):
        errors.check(_closure(item) is not None, f"{path}.{i}",
                     "must be YYYY-MM-DD or YYYY-MM-DD/YYYY-MM-DD (at most a year)")


def _closure(item) -> tuple[date, date] | None:
    """(first, last) of a closed date or range written exactly as YYYY-MM-DD[/YYYY-MM-DD], else None."""
    match = CLOSED_RE.fullmatch(item) if isinstance(item, str) else None
    if match is None:
        return None
    try:
        first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2] or match[1])
    except ValueError:  # 2027-02-30
        return None
    return (first, last) if first <= last and (last - first).days < MAX_CLOSED_DAYS else None


def _texts(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, dict), path, "must map locales (en, ko, id, …) to text"):
        return
    for locale, text in value.items():
        errors.check(bool(LOCALE_RE.match(str(locale))), f"{path}.{locale}", "is not a locale code like en or pt-BR")
        errors.check(isinstance(text, str) and len(text) <= 2000, f"{path}.{locale}",
                     "must be text up to 2000 characters")


def _transit(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, list), path, "must be a list of {countries, days} rules"):
        return
    for i, rule in enumerate(value):
        if not errors.check(isinstance(rule, dict) and set(rule) == {"countries", "days"}, f"{path}.{i}",
                            "must be {\"countries\": [...], \"days\": [min, max]}"):
            continue
        countries = rule["countries"]
        ok = isinstance(countries, list) and bool(countries) and (
            countries == ["*"] or all(isinstance(c, str) and COUNTRY_RE.match(c) for c in countries))
        errors.check(ok, f"{path}.{i}.countries", "must be [\"*\"] or two-letter country codes")
        _days(errors, f"{path}.{i}.days", rule["days"])


def _suppliers(errors: Errors, path: str, value) -> None:
    if not errors.check(isinstance(value, list), path, "must be a list of supplier rules"):
        return
    allowed = {"vendor", "tag", "processing_days", "origin_country", "closed_dates", "weekend"}
    for i, rule in enumerate(value):
        at = f"{path}.{i}"
        if not errors.check(isinstance(rule, dict) and set(rule) <= allowed, at,
                            f"must be an object with keys among {', '.join(sorted(allowed))}"):
            continue
        keys = [k for k in ("vendor", "tag") if k in rule]
        errors.check(len(keys) == 1 and isinstance(rule[keys[0]], str) and rule[keys[0]].strip() != "", at,
                     "must match exactly one of vendor or tag")
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
        for i, c in enumerate(customs.get("countries", [])):
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
    from shop_plugin.promises.text import TEMPLATE_NAMES

    if not errors.check(isinstance(value, dict), path, "must map locales to {template name: text}"):
        return
    for locale, templates in value.items():
        at = f"{path}.{locale}"
        errors.check(bool(LOCALE_RE.match(str(locale))), at, "is not a locale code like en or pt-BR")
        if errors.check(isinstance(templates, dict) and set(templates) <= set(TEMPLATE_NAMES), at,
                        f"must map template names ({', '.join(TEMPLATE_NAMES)}) to text"):
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
    return settings, dict(errors)


from shop_plugin.delays.rules import check_rules  # noqa: E402 - sections owned by later domains
from shop_plugin.helpdesk.desk_settings import check_auto_ack, check_tag_rules  # noqa: E402
from shop_plugin.helpdesk.sla import check_sla, check_support_hours  # noqa: E402
from shop_plugin.refunds.choice_settings import check_customer_choice  # noqa: E402
from shop_plugin.refunds.cost import check_refund_rules  # noqa: E402
