"""App Home pages and the forms on them.

GET (`app_home_page`): shopifyapp verifies the request (the id_token App Bridge adds to the
document request; without one, or with a stale one, shopifyapp answers with its bounce through the
patch-id-token page, which reloads the page with a fresh token). The shop gets its offline token,
the staff member is recorded, and the page renders with the CSP `frame-ancestors` headers from
the verification result, `Referrer-Policy: no-referrer`, `Cache-Control: no-store` and a page
token for its forms (page_token.py explains why forms need one).

POST (`page_form`): the page token in the form is the only credential accepted. A bad one acts on
nothing and bounces (shopifyapp's App Home flow, back to the page's GET). A lapsed one (signed by
this app, past its hour) acts on nothing either, but what the form held is kept and shown again on
that GET (drafts.py), so a reply typed on a page left open is not lost. After acting, the view
answers with shopifyapp's `app_home_redirect` (post/redirect/get); when the input is invalid it
re-renders the page with field errors (422) and the CSP headers shopifyapp gives for the shop.

POST paths are the paths of the pages they belong to, so the bounce reloads that page. Links and
GET forms carry the App Home context (shop, host, embedded, locale), which the bounce needs, and
nothing secret.
"""
from __future__ import annotations

import re
from functools import wraps
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Response, abort, current_app, g, make_response, render_template, request, url_for
from werkzeug.exceptions import NotFound

from shop_plugin.admin import drafts, page_token
from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import staff
from shop_plugin.promises import service as promises
from shop_plugin.shopify.adapters import shopify_req, shopify_response
from shop_plugin.shopify.auth import PATCH_ID_TOKEN_PATH, ensure_offline_token, verify_app_home
from shop_plugin.shopify.client import shop_domain, shop_handle, shopify
from shop_plugin.shops import service as shops
from shop_plugin.validation import MAX_ROW_ID, whole_number

APP_PARAMS = ("host", "embedded", "locale")
SAFE_PARAM = re.compile(r"^[A-Za-z0-9._=+/-]{1,300}$")
PAGE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def app_params(domain: str) -> dict[str, str]:
    """The App Home context a link or GET form must keep: the shop, and Shopify's host/embedded/locale."""
    kept = {k: request.args[k] for k in APP_PARAMS if SAFE_PARAM.match(request.args.get(k, ""))}
    return {"shop": domain, **kept}


def page_url(endpoint: str, **params) -> str:
    """url_for with the App Home context; empty parameters are left out."""
    return url_for(endpoint, **{**g.app_params, **{k: v for k, v in params.items() if v not in (None, "")}})


def form_id(raw: str | None) -> int | None:
    """A row id from a form or query field (the id columns are 32-bit); None for anything else."""
    return whole_number(raw, MAX_ROW_ID)


def _begin(shop, user_id) -> None:
    g.shop = shop
    g.staff = staff.seen(session(), shop=shop, user_id=user_id, now=utcnow())
    session().commit()
    g.settings, _ = promises.get_settings(session(), shop=shop)
    g.page_token = page_token.issue(shop_domain=shop.domain, user_id=user_id, path=request.path)
    g.app_params = app_params(shop.domain)


def render_page(template: str, context: dict, status: int = 200) -> Response:
    html = render_template(template, shop=g.shop, staff_member=g.staff, page_token=g.page_token,
                           lapsed_form=("shown" if g.get("draft_shown") else "taken" if g.get("draft") else None),
                           app_params=g.app_params, page_url=page_url, timezone=g.settings["timezone"],
                           api_key=current_app.config["SHOPIFY_API_KEY"], **context)
    response = make_response(html, status)
    response.headers.update(g.frame_headers)
    response.headers.update(PAGE_HEADERS)
    return response


def _answer(out) -> Response:
    if isinstance(out, Response):
        return out
    template, context, *status = out
    return render_page(template, context, *status)


def app_home_page(view):
    """Run `view` for a verified App Home request; it returns (template, context[, status]) or a Response."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        result = verify_app_home()
        if not result.ok:
            return _with_page_headers(shopify_response(result))
        if not shop_domain(result.shop):
            abort(400)
        shop = shops.get_or_create(domain=shop_domain(result.shop))
        failure = ensure_offline_token(shop, result)
        if failure is not None:
            return _with_page_headers(shopify_response(failure))
        shops.mark_installed(shop=shop)
        _begin(shop, result.user_id)
        g.draft = drafts.take(session(), shop_id=shop.id, user_id=result.user_id, path=request.path, now=utcnow())
        g.frame_headers = dict(result.response.headers)
        try:
            return _answer(view(*args, **kwargs))
        except NotFound:
            return render_page("admin/not_found.html", {}, 404)

    return wrapper


def page_form(view):
    """Run `view` for a form post carrying a valid page token for this page; else bounce."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = request.form.get("page_token")
        claims = page_token.read(token)
        if claims is None:
            _keep_draft(page_token.read_lapsed(token))
            return bounce()
        shop = _shop_of(claims)
        if shop is None:
            return bounce()
        _begin(shop, claims.user_id)
        g.frame_headers = {k: v for k, v in _in_app_redirect(request.path).response.headers.items()
                           if k != "Location"}
        try:
            return _answer(view(*args, **kwargs))
        except NotFound:
            return render_page("admin/not_found.html", {}, 404)

    return wrapper


def _shop_of(claims: page_token.PageClaims):
    """The installed shop the claims name, when they are for this page and the shop asked (if any)."""
    shop = shops.get(domain=claims.shop)
    asked = request.args.get("shop")
    if (shop is None or not shop.is_installed or claims.path != request.path
            or (asked and shop_domain(asked) != shop.domain)):
        return None
    return shop


def _keep_draft(lapsed: page_token.PageClaims | None) -> None:
    shop = _shop_of(lapsed) if lapsed else None
    if shop is not None:
        drafts.keep(session(), shop_id=shop.id, user_id=lapsed.user_id, path=request.path, form=request.form,
                    now=utcnow())


def restored(errors: dict | None = None):
    """The form values a page shows again: what was posted, when the post had errors; else the draft a
    lapsed page token left for this page (drafts.py), if any; else None."""
    if errors:
        return request.form
    draft = g.get("draft")
    g.draft_shown = draft is not None
    return draft


def _document_req(method: str) -> dict:
    """This request as a document request without any session token (none belongs in a Location)."""
    req = shopify_req(request, body="")
    parts = urlsplit(req["url"])
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "id_token"])
    req.update(method=method, url=urlunsplit(parts._replace(query=query)),
               headers={k: v for k, v in req["headers"].items() if k.lower() != "authorization"})
    return req


def bounce() -> Response:
    """shopifyapp's answer to a page request without a valid token: to the patch-id-token page, which
    reloads this path's GET (the page the form belongs to) with a fresh id_token."""
    result = shopify().verify_app_home_req(_document_req("GET"), app_home_patch_id_token_path=PATCH_ID_TOKEN_PATH)
    return _with_page_headers(shopify_response(result))


def _in_app_redirect(path: str):
    return shopify().app_home_redirect(_document_req("POST"), redirect_url=path, shop=shop_handle(g.shop.domain))


def done(endpoint: str, **params) -> Response:
    """After a form acted: shopifyapp's redirect within the app to the page, keeping the App Home context."""
    path = url_for(endpoint, **{k: v for k, v in params.items() if v not in (None, "")})
    return _with_page_headers(shopify_response(_in_app_redirect(path)))


def _with_page_headers(response: Response) -> Response:
    response.headers.update(PAGE_HEADERS)
    return response
