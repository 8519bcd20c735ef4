"""Settings forms: support hours and SLA targets as real fields, canned replies, the other sections as
JSON documents.

Every save goes through promises.save_settings (whole document, validated, nothing saved on any
error); its errors are field paths ("sla.urgent.first_response_hours") shown next to the field.
A form carries the settings version it was rendered from, so two people saving different
sections cannot silently undo each other's change.
"""
from __future__ import annotations

import json
from datetime import datetime

from flask import abort
from sqlalchemy.orm import Session

from shop_plugin.admin.pages import form_id
from shop_plugin.delays.rules import DEFAULT_RULES
from shop_plugin.helpdesk import canned
from shop_plugin.helpdesk.models import PRIORITIES
from shop_plugin.helpdesk.sla import DEFAULT_SLA, DEFAULT_SUPPORT_HOURS
from shop_plugin.promises import service as promises
from shop_plugin.promises import settings as rules
from shop_plugin.promises.calendar import WEEKDAYS
from shop_plugin.refunds.choice_settings import DEFAULT_CHOICE
from shop_plugin.refunds.cost import DEFAULT_REFUND_RULES
from shop_plugin.shops.models import Shop, ShopSettings
from shop_plugin.validation import Errors

SHIPPING_KEYS = ("timezone", "cutoff", "processing_days", "origin_country", "weekend", "closed_dates", "transit",
                 "suppliers")
SECTIONS = {  # url name: (title, what it is for, settings keys)
    "policies": ("Policies", "Returns window, refund, customs and support texts shown with the promise.",
                 ("policies",)),
    "notifications": ("Notification templates", "Promise wording per language and the order email.",
                      ("texts", "email")),
    "delays": ("Delay rules", "Which delays open tickets and after how many days.", ("delay_rules",)),
    "tags": ("Auto-tag rules", "Tags and acknowledgements applied to new customer messages.",
             ("tag_rules", "auto_ack")),
    "refunds": ("Refund rules", "Chargeback fee, handling cost, probabilities and automatic refunds.",
                ("refund_rules",)),
    "customer-choice": ("Customer choice", "What a customer with a late order may choose.", ("customer_choice",)),
}
DEFAULTS_SHOWN = {"delay_rules": DEFAULT_RULES, "refund_rules": DEFAULT_REFUND_RULES,
                  "customer_choice": DEFAULT_CHOICE, "support_hours": DEFAULT_SUPPORT_HOURS, "sla": DEFAULT_SLA}
STALE = "the settings changed since this page was opened; reload it and make your change again"


def keys_of(section: str) -> tuple[str, ...]:
    """The section's settings keys this version of the settings knows."""
    keys = SHIPPING_KEYS if section == "shipping" else SECTIONS[section][2]
    return tuple(k for k in keys if k in rules.CHECKS)


def available() -> list[tuple[str, str]]:
    """(url name, title) of the JSON sections with at least one known key."""
    return [(name, spec[0]) for name, spec in SECTIONS.items() if keys_of(name)]


def section_json(settings: dict, keys: tuple[str, ...]) -> str:
    return json.dumps({k: settings.get(k) for k in keys}, indent=2, ensure_ascii=False)


def defaults_json(keys: tuple[str, ...]) -> str | None:
    shown = {k: DEFAULTS_SHOWN[k] for k in keys if k in DEFAULTS_SHOWN}
    return json.dumps(shown, indent=2, ensure_ascii=False) if shown else None


def _save(s: Session, shop: Shop, version: str | None, changes: dict, dropped: tuple[str, ...] = ()) -> dict:
    row = s.get(ShopSettings, shop.id)
    if str(row.version if row else 0) != (version or ""):
        return {"": STALE}
    document = {k: v for k, v in (row.document if row else {}).items() if k not in dropped}
    _, errors = promises.save_settings(s, shop=shop, document={**document, **changes})
    if errors:
        s.rollback()
    return errors


def save_section(s: Session, *, shop: Shop, keys: tuple[str, ...], raw: str, version: str | None) -> dict:
    """Replace the section's keys with the JSON object given; keys left out go back to their defaults."""
    try:
        value = json.loads(raw or "")
    except ValueError as exc:
        return {"": f"is not valid JSON: {exc}"}
    if not isinstance(value, dict):
        return {"": "must be a JSON object with the keys " + ", ".join(keys)}
    errors = {k: "belongs to another section" for k in value if k not in keys}
    return errors or _save(s, shop, version, value, dropped=keys)


def support_values(settings: dict) -> dict:
    """The support-hours and SLA fields as the form shows them."""
    hours = {**DEFAULT_SUPPORT_HOURS, **settings.get("support_hours", {})}
    sla = {**DEFAULT_SLA, **settings.get("sla", {})}
    return {"days": hours["days"], "start": hours["start"], "end": hours["end"],
            "holidays_country": hours.get("holidays_country") or "", "timezone": hours.get("timezone") or "",
            "sla": {p: {k: _number_text(v) for k, v in sla[p].items()} for p in PRIORITIES}}


def _number_text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _number(raw: str):
    """An int or float for the validator; text that is not a number is passed on for it to reject."""
    raw = (raw or "").strip()
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() else number


def support_from_form(form) -> tuple[dict, dict]:
    """The support_hours and sla sections from the form's fields."""
    hours = {"days": [d for d in WEEKDAYS if d in form.getlist("days")], "start": form.get("start", "").strip(),
             "end": form.get("end", "").strip(),
             "holidays_country": form.get("holidays_country", "").strip().upper() or None}
    if form.get("timezone", "").strip():
        hours["timezone"] = form["timezone"].strip()
    sla = {p: {k: _number(form.get(f"sla.{p}.{k}", "")) for k in ("first_response_hours", "resolution_hours")}
           for p in PRIORITIES}
    return hours, sla


def support_echo(form) -> dict:
    """The fields as they were sent, to show them again next to their errors."""
    hours, sla = support_from_form(form)
    return {**hours, "holidays_country": hours["holidays_country"] or "", "timezone": form.get("timezone", ""),
            "sla": {p: {k: str(v) for k, v in sla[p].items()} for p in PRIORITIES}}


def save_support(s: Session, *, shop: Shop, form) -> dict:
    hours, sla = support_from_form(form)
    changes = {"support_hours": hours, "sla": sla}
    errors = Errors(rules.validate(changes)[1])
    if "timezone" in hours:  # the support-hours check accepts any text here; a bad zone would break SLA timers
        rules.CHECKS["timezone"](errors, "support_hours.timezone", hours["timezone"])
    return dict(errors) or _save(s, shop, form.get("version"), changes)


def save_canned(s: Session, *, shop: Shop, form, now: datetime) -> tuple[str, dict]:
    """The canned-replies form: (action, field errors); committed when there are none. 404 for a reply
    that is not the shop's."""
    action, reply_id = form.get("action"), form_id(form.get("id"))
    reply = canned.get(s, shop=shop, reply_id=reply_id) if reply_id else None
    if action in ("update", "delete") and reply is None:
        abort(404)
    document = {"title": form.get("title", ""), "body": form.get("body", "")}
    if action == "create":
        errors = canned.create(s, shop=shop, document=document, now=now)[1]
    elif action == "update":
        errors = canned.update(s, shop=shop, reply=reply, document=document, now=now)
    elif action == "delete":
        canned.delete(s, shop=shop, reply=reply)
        errors = {}
    else:
        errors = {"action": "unknown form"}
    if errors:
        s.rollback()
    else:
        s.commit()
    return action, errors
