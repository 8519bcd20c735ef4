"""Settings pages beside the shipping promise: support hours and SLA targets, canned replies, and the
other sections as forms (admin/settings_sections.py)."""
from __future__ import annotations

from flask import g, request

from shop_plugin.admin import bp, settings_forms
from shop_plugin.admin.pages import app_home_page, done, page_form, restored
from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import canned
from shop_plugin.helpdesk.models import PRIORITIES
from shop_plugin.helpdesk.templating import VARIABLES
from shop_plugin.promises import service as promises
from shop_plugin.promises.calendar import WEEKDAYS

SAVED = {"1": "Saved.", "created": "Canned reply added.", "updated": "Canned reply saved.",
         "deleted": "Canned reply deleted."}


def _common() -> dict:
    _, version = promises.get_settings(session(), shop=g.shop)
    return {"version": version, "sections": settings_forms.available(),
            "saved": SAVED.get(request.args.get("saved", ""), "")}


def _support(values: dict | None = None, errors: dict | None = None, status: int = 200):
    settings, _ = promises.get_settings(session(), shop=g.shop)
    return "admin/settings_support.html", {
        **_common(), "v": values or settings_forms.support_values(settings), "errors": errors or {},
        "weekdays": WEEKDAYS, "priorities": PRIORITIES}, status


@bp.get("/settings/support")
@app_home_page
def settings_support():
    draft = restored()
    return _support(settings_forms.support_echo(draft) if draft else None)


@bp.post("/settings/support")
@page_form
def save_support():
    errors = settings_forms.save_support(session(), shop=g.shop, form=request.form)
    if errors:
        return _support(settings_forms.support_echo(request.form), errors, 422)
    return done("admin.settings_support", saved="1")


def _canned(errors: dict | None = None, status: int = 200):
    replies = canned.get_all(session(), shop=g.shop)
    editing = next((r for r in replies if str(r.id) == request.args.get("edit", "")), None)
    return "admin/settings_canned.html", {
        **_common(), "replies": replies, "editing": editing, "errors": errors or {},
        "values": restored(errors) or {}, "variables": VARIABLES}, status


@bp.get("/settings/canned")
@app_home_page
def settings_canned():
    return _canned()


@bp.post("/settings/canned")
@page_form
def save_canned():
    action, errors = settings_forms.save_canned(session(), shop=g.shop, form=request.form, now=utcnow())
    if errors:
        return _canned(errors, 422)
    return done("admin.settings_canned", saved=f"{action}d")


def _section(name: str, sent: dict | None = None, errors: dict | None = None, status: int = 200):
    section = settings_forms.section_of(name)
    settings, _ = promises.get_settings(session(), shop=g.shop)
    widgets, other = settings_forms.section_widgets(section, sent if sent is not None else settings, errors or {})
    return "admin/settings_section.html", {
        **_common(), "name": name, "section": section, "widgets": widgets, "unplaced": other}, status


@bp.get("/settings/<name>")
@app_home_page
def settings_section(name: str):
    return _section(name, settings_forms.as_sent(settings_forms.section_of(name), restored()))


@bp.post("/settings/<name>")
@page_form
def save_section(name: str):
    section = settings_forms.section_of(name)
    sent, errors = settings_forms.save_section(session(), shop=g.shop, section=section, form=request.form)
    if errors:
        return _section(name, sent, errors, 422)
    return done("admin.settings_section", name=name, saved="1")
