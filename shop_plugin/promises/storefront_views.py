"""Storefront endpoints: checkout / order-status extensions and the product page's app proxy."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from shop_plugin.extensions import session
from shop_plugin.promises import storefront
from shop_plugin.shopify.adapters import extension_req, proxy_req, shopify_response
from shop_plugin.shopify.client import legacy_id, shop_domain, shopify

bp = Blueprint("storefront", __name__)
CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Origin"}
MAX_TAGS = 250  # Shopify's most per product
MAX_NAME = 255  # characters of a Shopify vendor or tag


def _vendor(value: str | None) -> tuple[str, ...]:
    """The product's vendor, whole: a vendor may contain commas ("Acme, Inc.")."""
    value = (value or "").strip()
    return (value,) if 0 < len(value) <= MAX_NAME else ()


def _tags(value: str | None) -> tuple[str, ...]:
    """The product's tags, joined with commas by the theme block: a Shopify tag cannot contain one."""
    tags = (t.strip() for t in (value or "").split(",", MAX_TAGS)[:MAX_TAGS])
    return tuple(t for t in tags if 0 < len(t) <= MAX_NAME)


@bp.route("/api/checkout/promise", methods=["GET", "OPTIONS"])
def checkout_promise():
    """Thank-you (checkout UI extension) and order status (customer account UI extension)."""
    req = extension_req(request)
    if request.args.get("surface") == "order-status":
        result = shopify().verify_customer_account_ui_ext_req(req)
    else:
        result = shopify().verify_checkout_ui_ext_req(req)
    if not result.ok or request.method == "OPTIONS":
        response = shopify_response(result)
        response.headers.update(CORS)
        return response
    order_id = request.args.get("order_id", "").rsplit("/", 1)[-1]
    if not order_id.isdigit():
        return jsonify(errors={"order_id": "must be a Shopify order id"}), 422, CORS
    shop = storefront.installed_shop(session, domain=shop_domain(result.shop))
    if shop is None:
        return jsonify(errors={"shop": "not installed"}), 404, CORS
    body = storefront.for_order(
        session, shop=shop, order_id=int(order_id),
        locale=storefront.clean_locale(request.args.get("locale"), fallback=None),
        country=storefront.clean_country(request.args.get("country")),
        confirmation=request.args.get("confirmation", "")[:32] or None,
        # the logged-in buyer (`sub`, only when logged in and the app may read protected customer data)
        customer_id=legacy_id(result.id_token.claims.get("sub"), "Customer"))
    return jsonify(body), 200, CORS


@bp.get("/proxy/promise")
def proxy_promise():
    """Product page, before purchase, through the app proxy (query string signed by Shopify)."""
    result = shopify().verify_app_proxy_req(proxy_req(request))
    if not result.ok:
        return shopify_response(result)
    shop = storefront.installed_shop(session, domain=shop_domain(result.shop))
    if shop is None:
        return jsonify(errors={"shop": "not installed"}), 404
    body = storefront.for_now(
        shop=shop, vendors=_vendor(request.args.get("vendor")), tags=_tags(request.args.get("tags")),
        country=storefront.clean_country(request.args.get("country")),
        locale=storefront.clean_locale(request.args.get("locale")))
    return jsonify(body), 200, {"Cache-Control": "private, max-age=300"}
