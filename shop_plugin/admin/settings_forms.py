"""Settings forms: support hours and SLA targets, canned replies, and every other section as the fields
of admin/settings_sections.py.

Every save goes through promises.save_settings (whole document, validated, nothing saved on any
error); its errors are field paths ("sla.urgent.first_response_hours") shown next to the field.
A form carries the settings version it was rendered from, so two people saving different
sections cannot silently undo each other's change.
"""
from __future__ import annotations

from datetime import datetime

from flask import abort
from sqlalchemy.orm import Session

from shop_plugin.admin import fields
from shop_plugin.admin.pages import form_id
from shop_plugin.admin.settings_sections import SECTIONS, Section
from shop_plugin.helpdesk import canned
from shop_plugin.helpdesk.models import PRIORITIES
from shop_plugin.helpdesk.sla import DEFAULT_SLA, DEFAULT_SUPPORT_HOURS
from shop_plugin.promises import service as promises
from shop_plugin.promises import settings as rules
from shop_plugin.promises.calendar import WEEKDAYS
from shop_plugin.shops.models import Shop, ShopSettings

STALE = "the settings changed since this page was opened; reload it and make your change again"


def section_of(name: str) -> Section:
    """The section behind /settings/<name>; 404 for any other name (the shipping rules are /settings)."""
    section = SECTIONS.get(name)
    if section is None:
        abort(404)
    return section


def as_sent(section: Section, form) -> dict | None:
    """A section's document as `form` would send it (a draft shown again: drafts.py); None without one."""
    return None if form is None else fields.parse(section.fields, form)[0]


def available() -> list[tuple[str, str]]:
    """(url name, title) of the sections with pages of their own under /settings/<name>."""
    return [(name, section.title) for name, section in SECTIONS.items()]


def section_widgets(section: Section, document: dict, errors: dict) -> tuple[list[dict], dict]:
    """The section's widgets from `document` (the settings, or what was sent), and the errors no widget
    shows (to list above the form)."""
    widgets, shown = fields.render(section.fields, document, errors)
    return widgets, {path: message for path, message in errors.items() if path not in shown}


def _save(s: Session, shop: Shop, version: str | None, changes: dict, dropped: tuple[str, ...] = ()) -> dict:
    row = s.get(ShopSettings, shop.id)
    if str(row.version if row else 0) != (version or ""):
        return {"": STALE}
    document = {k: v for k, v in (row.document if row else {}).items() if k not in dropped}
    _, errors = promises.save_settings(s, shop=shop, document={**document, **changes})
    if errors:
        s.rollback()
    return errors


def save_section(s: Session, *, shop: Shop, section: Section, form) -> tuple[dict, dict]:
    """Replace the section's keys with the form's values; (what was sent as a document, field errors).
    Optional fields left empty go back to their defaults."""
    document, errors = fields.parse(section.fields, form)
    if errors:
        return document, errors
    return document, _save(s, shop, form.get("version"), document, dropped=section.keys)


def support_values(settings: dict) -> dict:
    """The support-hours and SLA fields as the form shows them."""
    hours = {**DEFAULT_SUPPORT_HOURS, **settings.get("support_hours", {})}
    sla = {**DEFAULT_SLA, **settings.get("sla", {})}
    return {"days": hours["days"], "start": hours["start"], "end": hours["end"],
            "holidays_country": hours.get("holidays_country") or "", "timezone": hours.get("timezone") or "",
            "sla": {p: {k: fields.text_of(v) for k, v in sla[p].items()} for p in PRIORITIES}}


def support_from_form(form) -> tuple[dict, dict]:
    """The support_hours and sla sections from the form's fields."""
    hours = {"days": [d for d in WEEKDAYS if d in form.getlist("days")], "start": form.get("start", "").strip(),
             "end": form.get("end", "").strip(),
             "holidays_country": form.get("holidays_country", "").strip().upper() or None}
    if form.get("timezone", "").strip():
        hours["timezone"] = form["timezone"].strip()
    sla = {p: {k: fields.number_of(form.get(f"sla.{p}.{k}", "")) for k in ("first_response_hours", "resolution_hours")}
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
    errors = rules.validate(changes)[1]
    return errors or _save(s, shop, form.get("version"), changes)


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
