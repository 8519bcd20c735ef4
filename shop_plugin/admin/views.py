"""App Home: the embedded admin's entry page and shopifyapp's token-refresh page."""
from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template, request

from shop_plugin.admin import service
from shop_plugin.shopify.adapters import shopify_req, shopify_response
from shop_plugin.shopify.auth import PATCH_ID_TOKEN_PATH, ensure_offline_token, verify_app_home
from shop_plugin.shopify.client import shop_domain, shopify
from shop_plugin.shops import service as shops

bp = Blueprint("admin", __name__)


@bp.get("/")
def home():
    result = verify_app_home()
    if not result.ok:
        return shopify_response(result)
    shop = shops.get_or_create(domain=shop_domain(result.shop))
    failure = ensure_offline_token(shop, result)
    if failure is not None:
        return shopify_response(failure)
    shops.mark_installed(shop=shop)
    html = render_template(
        "admin/home.html", shop=shop, api_key=current_app.config["SHOPIFY_API_KEY"],
        summary=service.summary(shop=shop),
    )
    response = make_response(html)
    response.headers.update(result.response.headers)
    return response


@bp.get(PATCH_ID_TOKEN_PATH)
def patch_id_token():
    return shopify_response(shopify().app_home_patch_id_token(shopify_req(request)))
