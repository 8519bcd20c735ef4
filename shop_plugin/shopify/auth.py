"""Admin requests: App Home pages and the JSON API, both verified by shopifyapp."""
from __future__ import annotations

from dataclasses import replace
from functools import wraps
from urllib.parse import urlparse

from flask import g, jsonify, request
from shopify_app.types import LogWithReq, Res

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import staff
from shop_plugin.shopify import tokens
from shop_plugin.shopify.adapters import shopify_req
from shop_plugin.shopify.client import http_client, shop_domain, shopify
from shop_plugin.shops import service as shops

PATCH_ID_TOKEN_PATH = "/auth/patch-id-token"


def verify_app_home():
    """shopifyapp's App Home verification with our token-refresh route, held to the admin's own session
    tokens. Shopify signs checkout and customer-account extension tokens with the same app secret and
    audience, and the library reads only signature, expiry and audience: without this, a buyer could
    copy the token their thank-you page sends and use the admin API."""
    result = shopify().verify_app_home_req(shopify_req(request), app_home_patch_id_token_path=PATCH_ID_TOKEN_PATH)
    if result.ok and not is_admin_session(result.id_token.claims):
        return replace(result, ok=False, shop=None, user_id=None, id_token=None, invalid_token_response=None,
                       log=LogWithReq(code="not_an_admin_session_token", req=result.log.req,
                                      detail="The token is not an admin session token (iss, dest)."),
                       response=Res(status=401, body="Unauthorized", headers={}))
    return result


def is_admin_session(claims: dict) -> bool:
    """An admin session token names the shop twice: `dest` https://{shop}, `iss` https://{shop}/admin.
    Extension tokens give `dest` as a bare domain and no `iss`."""
    iss, dest = urlparse(str(claims.get("iss") or "")), urlparse(str(claims.get("dest") or ""))
    return iss.scheme == dest.scheme == "https" and bool(dest.hostname) and iss.hostname == dest.hostname \
        and iss.path.rstrip("/") == "/admin"


def admin_api(view):
    """JSON API guard: a valid session token in `Authorization: Bearer`, scoped to its shop."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return jsonify(error="a Shopify session token is required (Authorization: Bearer)"), 401
        result = verify_app_home()
        if not result.ok:
            return jsonify(error=result.log.code), result.response.status, result.response.headers
        if not shop_domain(result.shop):
            return jsonify(error="the session token names no shop"), 401
        g.shop = shops.get_or_create(domain=shop_domain(result.shop))
        g.user_id = result.user_id
        g.staff = staff.seen(session(), shop=g.shop, user_id=result.user_id, now=utcnow())
        session().commit()
        return view(*args, **kwargs)

    return wrapper


def ensure_offline_token(shop, result):
    """Green path: refresh the stored token when due, else exchange the session's ID token.

    Returns None when the shop holds a usable token, or a shopifyapp result to answer with.
    """
    token, failed = tokens.fresh(shop=shop)
    if token is not None:
        return None
    if failed is not None:  # refresh token expired or revoked: start over from the ID token
        tokens.delete(shop=shop)
        session().commit()
    exchange = shopify().exchange_using_token_exchange(
        access_mode="offline",
        id_token=result.id_token,
        invalid_token_response=result.invalid_token_response,
        http_client=http_client(),
    )
    if not exchange.ok:
        return exchange
    tokens.save(shop=shop, token=exchange.access_token)
    return None
