"""The shopifyapp instance and the HTTP client every Shopify call goes through."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
from flask import Flask, current_app
from shopify_app import ShopifyApp

from shop_plugin.shopify import verification_logs

SHOPIFY_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class OriginOverrideTransport(httpx.BaseTransport):
    """Send https://{shop}.myshopify.com traffic to one local origin (dev and test only).

    The shop is kept in X-Forwarded-Host so the local store simulator knows who is asking.
    """

    def __init__(self, origin: str, inner: httpx.BaseTransport | None = None) -> None:
        parts = urlsplit(origin)
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        original_host = request.url.host
        request.url = request.url.copy_with(scheme=self.scheme, host=self.host, port=self.port)
        request.headers["Host"] = request.url.netloc.decode()
        request.headers["X-Forwarded-Host"] = original_host
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def init_app(app: Flask) -> None:
    cfg = app.config
    verification_logs.install()  # lean log records for the webhook and storefront verifications (see there)
    app.extensions["shopify"] = ShopifyApp(
        client_id=cfg["SHOPIFY_API_KEY"],
        client_secret=cfg["SHOPIFY_API_SECRET"],
        old_client_secret=cfg["SHOPIFY_API_SECRET_OLD"],
    )
    override = cfg["SHOPIFY_API_ORIGIN_OVERRIDE"]
    transport = cfg.get("SHOPIFY_TRANSPORT")  # tests inject an httpx.MockTransport here
    if override:
        transport = OriginOverrideTransport(override, transport)
    app.extensions["shopify_http"] = httpx.Client(transport=transport, timeout=SHOPIFY_TIMEOUT)


def shopify() -> ShopifyApp:
    return current_app.extensions["shopify"]


def http_client() -> httpx.Client:
    """One pooled client per process; shopifyapp leaves injected clients open."""
    return current_app.extensions["shopify_http"]


SHOP_HANDLE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def shop_domain(shop: str | None) -> str:
    """shopifyapp names a shop by its subdomain; we store the full myshopify domain. Anything that
    is not a shop handle (even when signed) gives "", which matches no shop."""
    handle = (shop or "").removesuffix(".myshopify.com")
    return f"{handle}.myshopify.com" if SHOP_HANDLE.match(handle) else ""


def shop_handle(domain: str) -> str:
    return domain.removesuffix(".myshopify.com")


GID = re.compile(r"^gid://shopify/(\w+)/(\d+)")


def legacy_id(gid: Any, kind: str | None = None) -> int | None:
    """12345 from 'gid://shopify/Order/12345' (of that `kind` only, when given); None otherwise."""
    match = GID.match(str(gid or ""))
    return int(match.group(2)) if match and kind in (None, match.group(1)) else None
