"""App Home: the overview, the shipping-promise settings, the dashboard and shopifyapp's token-refresh page.
The desk (inbox, tickets) and the other settings pages add their routes to the same blueprint."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g, request

from shop_plugin.admin import bp, dashboard, desk_views, service, settings_forms, settings_views  # noqa: F401
from shop_plugin.admin.formatting import register_filters
from shop_plugin.admin.pages import app_home_page, done, page_form
from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import query
from shop_plugin.promises import service as promises
from shop_plugin.shopify.adapters import shopify_req, shopify_response
from shop_plugin.shopify.auth import PATCH_ID_TOKEN_PATH
from shop_plugin.shopify.client import shopify

PREVIEW_LOCALES = (("en", "English"), ("ko", "한국어"), ("id", "Bahasa Indonesia"))
register_filters(bp)


@bp.get("/")
@app_home_page
def home():
    return "admin/home.html", {"summary": service.summary(shop=g.shop)}


def _settings_page(document: str | None = None, errors: dict | None = None, status: int = 200):
    rules, version = promises.get_settings(session(), shop=g.shop)
    tz = ZoneInfo(rules["timezone"])
    default_time = datetime.now(tz).strftime("%Y-%m-%dT%H:%M")
    form = {"country": request.args.get("country", "US").upper()[:2],
            "ordered_at": request.args.get("ordered_at", default_time)[:16],
            "locale": request.args.get("locale", "en")}
    try:
        ordered_at = datetime.fromisoformat(form["ordered_at"]).replace(tzinfo=tz).isoformat()
    except ValueError:
        ordered_at = form["ordered_at"]
    preview, preview_errors = promises.preview(session(), shop=g.shop, body={
        "ordered_at": ordered_at, "country": form["country"], "locale": form["locale"]})
    keys = settings_forms.keys_of("shipping")
    return "admin/settings.html", {
        "document": document if document is not None else settings_forms.section_json(rules, keys),
        "version": version, "form": form, "preview": preview, "errors": preview_errors,
        "rule_errors": errors or {}, "locales": PREVIEW_LOCALES, "sections": settings_forms.available(),
        "saved": request.args.get("saved") == "1",
    }, status


@bp.get("/settings")
@app_home_page
def settings():
    return _settings_page()


@bp.post("/settings")
@page_form
def save_settings():
    errors = settings_forms.save_section(session(), shop=g.shop, keys=settings_forms.keys_of("shipping"),
                                         raw=request.form.get("document", ""), version=request.form.get("version"))
    if errors:
        return _settings_page(request.form.get("document", ""), errors, 422)
    return done("admin.settings", saved="1")


@bp.get("/dashboard", endpoint="dashboard")
@app_home_page
def dashboard_page():
    now = utcnow()
    bounds, errors = query.date_range(request.args, timezone=g.settings["timezone"], now=now)
    if errors:
        bounds, _ = query.date_range({}, timezone=g.settings["timezone"], now=now)
    start, end = bounds
    data = dashboard.build(session(), shop=g.shop, start=start, end=end, settings=g.settings, now=now)
    first, last = dashboard.shown_dates(start, end, g.settings["timezone"])
    return "admin/dashboard.html", {**data, "range_errors": errors, "first_day": first, "last_day": last}


@bp.get(PATCH_ID_TOKEN_PATH)
def patch_id_token():
    return shopify_response(shopify().app_home_patch_id_token(shopify_req(request)))
