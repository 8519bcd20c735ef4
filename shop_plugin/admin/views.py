"""App Home: the embedded admin's pages and shopifyapp's token-refresh page."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, g, request

from shop_plugin.admin import service
from shop_plugin.admin.pages import app_home_page
from shop_plugin.extensions import session
from shop_plugin.promises import service as promises
from shop_plugin.shopify.adapters import shopify_req, shopify_response
from shop_plugin.shopify.auth import PATCH_ID_TOKEN_PATH
from shop_plugin.shopify.client import shopify

bp = Blueprint("admin", __name__)
PREVIEW_LOCALES = (("en", "English"), ("ko", "한국어"), ("id", "Bahasa Indonesia"))


@bp.get("/")
@app_home_page
def home():
    return "admin/home.html", {"summary": service.summary(shop=g.shop)}


@bp.get("/settings")
@app_home_page
def settings():
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
    preview, errors = promises.preview(session(), shop=g.shop, body={
        "ordered_at": ordered_at, "country": form["country"], "locale": form["locale"]})
    return "admin/settings.html", {
        "document": json.dumps(rules, indent=2, ensure_ascii=False), "version": version, "form": form,
        "preview": preview, "errors": errors, "locales": PREVIEW_LOCALES,
    }


@bp.get(PATCH_ID_TOKEN_PATH)
def patch_id_token():
    return shopify_response(shopify().app_home_patch_id_token(shopify_req(request)))
