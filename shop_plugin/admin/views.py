"""App Home: the overview, the shipping-promise settings, the dashboard and shopifyapp's token-refresh page.
The desk (inbox, tickets) and the other settings pages add their routes to the same blueprint."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g, request

from shop_plugin.admin import bp, dashboard, desk_views, fields, service, settings_forms, settings_views  # noqa: F401
from shop_plugin.admin.formatting import register_filters
from shop_plugin.admin.pages import app_home_page, done, page_form, restored
from shop_plugin.admin.settings_sections import SHIPPING
from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import query
from shop_plugin.promises import service as promises
from shop_plugin.promises.settings import validate as validate_settings
from shop_plugin.shopify.adapters import shopify_req, shopify_response
from shop_plugin.shopify.auth import PATCH_ID_TOKEN_PATH
from shop_plugin.shopify.client import shopify

PREVIEW_LOCALES = (("en", "English"), ("ko", "한국어"), ("id", "Bahasa Indonesia"))
register_filters(bp)


@bp.get("/")
@app_home_page
def home():
    return "admin/home.html", {"summary": service.summary(shop=g.shop)}


def _settings_page(sent: dict | None = None, errors: dict | None = None, status: int = 200,
                   trial: bool = False):
    """The shipping rules form and the promise preview. With `trial`, the preview uses the rules sent
    (not saved) so the merchant sees what a change would promise before saving it."""
    rules, version = promises.get_settings(session(), shop=g.shop)
    # the order's local time is read in the zone the promise is computed in: the one being tried, if any
    tried = (sent or {}).get("timezone") if trial and not errors else None
    tz = ZoneInfo(tried or rules["timezone"])
    args = request.form if trial else request.args
    form = {"country": args.get("country", "US").upper()[:2],
            "ordered_at": args.get("ordered_at", datetime.now(tz).strftime("%Y-%m-%dT%H:%M"))[:16],
            "locale": args.get("locale", "en")}
    try:
        ordered_at = datetime.fromisoformat(form["ordered_at"]).replace(tzinfo=tz).isoformat()
    except ValueError:
        ordered_at = form["ordered_at"]
    body = {"ordered_at": ordered_at, "country": form["country"], "locale": form["locale"]}
    preview, preview_errors = (None, {}) if errors else promises.preview(
        session(), shop=g.shop, body={**body, "settings": sent} if trial else body)
    widgets, other = settings_forms.section_widgets(SHIPPING, sent if sent is not None else rules, errors or {})
    return "admin/settings.html", {
        "widgets": widgets, "rule_errors": other, "version": version, "form": form, "preview": preview,
        "errors": preview_errors, "trial": trial, "locales": PREVIEW_LOCALES, "sections": settings_forms.available(),
        "saved": request.args.get("saved") == "1",
    }, 422 if errors else status


@bp.get("/settings")
@app_home_page
def settings():
    return _settings_page(settings_forms.as_sent(SHIPPING, restored()))


@bp.post("/settings")
@page_form
def save_settings():
    if request.form.get("action") == "preview":
        sent, errors = fields.parse(SHIPPING.fields, request.form)
        return _settings_page(sent, errors or validate_settings(sent)[1], trial=True)
    sent, errors = settings_forms.save_section(session(), shop=g.shop, section=SHIPPING, form=request.form)
    if errors:
        return _settings_page(sent, errors)
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
