"""Storefront endpoints: the product page's app proxy and the thank-you / order status extensions.

Every product page view of every installed store calls GET /proxy/promise, and every thank-you and
order status page GET /api/checkout/promise. Like the webhook receiver, they are WSGI endpoints
mounted in front of Flask's routing (`mount`; shop_plugin/mounted.py says why). A request gets
werkzeug's `Request` and an app context (the database session, asked for only when the per-process
cache misses, and the app's caches), but no request context, URL matching or response hooks. Every
answer is JSON with the headers the app gives all its responses; a database that cannot be reached
on a cache miss is a 503 the page may retry, not a 500.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import NamedTuple

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

from shop_plugin.extensions import session
from shop_plugin.mounted import SECURITY_HEADERS, Mounted, json_error, propagates
from shop_plugin.promises import storefront
from shop_plugin.shopify.adapters import extension_req, proxy_req, shopify_response
from shop_plugin.shopify.client import legacy_id, shop_domain

log = logging.getLogger(__name__)
MAX_TAGS = 250  # Shopify's most per product
MAX_NAME = 255  # characters of a Shopify vendor or tag
CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Origin"}


class Answer(NamedTuple):
    status: int
    body: dict
    headers: dict[str, str] | None = None


View = Callable[[Flask, Request, dict[str, str]], "Answer | Response"]


def _vendor(value: str | None) -> tuple[str, ...]:
    """The product's vendor, whole: a vendor may contain commas ("Acme, Inc.")."""
    value = (value or "").strip()
    return (value,) if 0 < len(value) <= MAX_NAME else ()


def _tags(value: str | None) -> tuple[str, ...]:
    """The product's tags, joined with commas by the theme block: a Shopify tag cannot contain one."""
    tags = (t.strip() for t in (value or "").split(",", MAX_TAGS)[:MAX_TAGS])
    return tuple(t for t in tags if 0 < len(t) <= MAX_NAME)


def checkout_promise(app: Flask, request: Request, args: dict[str, str]) -> Answer | Response:
    """Thank-you (checkout UI extension) and order status (customer account UI extension)."""
    verifier = app.extensions["shopify"]
    verify = (verifier.verify_customer_account_ui_ext_req if args.get("surface") == "order-status"
              else verifier.verify_checkout_ui_ext_req)
    result = verify(extension_req(request))
    if not result.ok or request.method == "OPTIONS":
        return shopify_response(result)
    order_id = args.get("order_id", "").rsplit("/", 1)[-1]
    if not order_id.isdigit():
        return Answer(422, {"errors": {"order_id": "must be a Shopify order id"}})
    shop = storefront.installed_shop(session, domain=shop_domain(result.shop))
    if shop is None:
        return Answer(404, {"errors": {"shop": "not installed"}})
    return Answer(200, storefront.for_order(
        session, shop=shop, order_id=int(order_id),
        locale=storefront.clean_locale(args.get("locale"), fallback=None),
        country=storefront.clean_country(args.get("country")),
        confirmation=args.get("confirmation", "")[:32] or None,
        # the logged-in buyer (`sub`, only when logged in and the app may read protected customer data)
        customer_id=legacy_id(result.id_token.claims.get("sub"), "Customer")))


def proxy_promise(app: Flask, request: Request, args: dict[str, str]) -> Answer | Response:
    """Product page, before purchase, through the app proxy (query string signed by Shopify)."""
    result = app.extensions["shopify"].verify_app_proxy_req(proxy_req(request))
    if not result.ok:
        return shopify_response(result)
    shop = storefront.installed_shop(session, domain=shop_domain(result.shop))
    if shop is None:
        return Answer(404, {"errors": {"shop": "not installed"}})
    body = storefront.for_now(
        shop=shop, vendors=_vendor(args.get("vendor")), tags=_tags(args.get("tags")),
        country=storefront.clean_country(args.get("country")), locale=storefront.clean_locale(args.get("locale")))
    return Answer(200, body, {"Cache-Control": "private, max-age=300"})


class Route(NamedTuple):
    view: View
    methods: tuple[str, ...]
    headers: dict[str, str]  # on every answer of the route, errors included


# The extensions' CORS headers go on every answer, so the page can read an error too.
ROUTES = {"/proxy/promise": Route(proxy_promise, ("GET", "HEAD"), {}),
          "/api/checkout/promise": Route(checkout_promise, ("GET", "HEAD", "OPTIONS"), CORS)}


def mount(app: Flask) -> None:
    """Put the storefront endpoints in front of the app's routing: their paths come here, the rest go on."""
    Storefront.mount(app)


class Storefront(Mounted):
    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        route = ROUTES.get(environ.get("PATH_INFO"))
        if route is None:
            return self.routes(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        if method not in route.methods:
            answer = json_error(405, "method not allowed", {"Allow": ", ".join(route.methods)})
        else:
            answer = self._answer(route.view, environ)
        if isinstance(answer, Response):
            answer.headers.update(route.headers)
            for name, value in SECURITY_HEADERS.items():
                answer.headers.setdefault(name, value)
            return answer(environ, start_response)
        status, data, headers = answer
        start_response(f"{status} {HTTP_STATUS_CODES[status]}", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(data))),
            *SECURITY_HEADERS.items(), *route.headers.items(), *(headers or {}).items()])
        return [] if method == "HEAD" else [data]

    def _answer(self, view: View, environ: dict) -> tuple[int, bytes, dict[str, str] | None] | Response:
        """The view's answer with its body as JSON bytes, or a werkzeug response (errors, shopifyapp's)."""
        try:
            with self.app.app_context():
                request = Request(environ)
                # the query's first value of each parameter, as a plain dict: werkzeug's `get` raises and
                # catches an exception for every parameter a request leaves out
                answer = view(self.app, request, request.args.to_dict())
                if isinstance(answer, Response):
                    return answer
                return answer.status, json.dumps(answer.body, separators=(",", ":")).encode(), answer.headers
        except SQLAlchemyError as exc:  # a cache miss that could not read the shop or the order
            log.error("storefront promise not read: %s", exc)
            return json_error(503, "temporarily unavailable", {"Retry-After": "5"})
        except Exception:
            if propagates(self.app):
                raise
            log.exception("storefront endpoint failed")
            return json_error(500, "internal error")
