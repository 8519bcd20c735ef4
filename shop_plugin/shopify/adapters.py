"""Flask request in, shopifyapp result out: the package's shapes, passed through unchanged."""
from __future__ import annotations

import logging
from functools import cache
from urllib.parse import urlencode

from flask import Request, Response

log = logging.getLogger(__name__)
# shopifyapp compares signatures with hmac.compare_digest, which raises TypeError on non-ASCII text.
# Only a forged signature holds such text, so it is handed on as one that can never match.
FORGED = "forged"
SIGNATURE_HEADERS = ("x-shopify-hmac-sha256", "shopify-hmac-sha256")


def shopify_req(request: Request, body: str | None = None, *, headers: tuple[str, ...] | None = None,
                url: str | None = None) -> dict:
    """The raw method, headers, full URL and body, as the verifiers require. `headers`: only these
    (for verifiers that read a few; shopifyapp redacts all it is given on every call), else all.
    `url`: what to hand over instead of the full URL, for verifiers that do not read it."""
    if headers is None:
        given = {k: _signature_text(k, v) for k, v in request.headers.items()}
    else:
        given = environ_headers(request.environ, headers)
    return {
        "method": request.method,
        "headers": given,
        "url": _url(request) if url is None else url,
        "body": request.get_data(as_text=True) if body is None else body,
    }


def environ_headers(environ: dict, headers: tuple[str, ...]) -> dict[str, str]:
    """These headers, those sent, straight from the WSGI environ (werkzeug's header view rescans the
    environ on every lookup); a signature that is not ASCII text is handed on as a forged one."""
    return {name: _signature_text(name, environ[key]) for name, key in _environ_keys(headers) if key in environ}


@cache
def _environ_keys(headers: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Header name → its WSGI environ key (HTTP_…; none of the subsets holds Content-Type or -Length)."""
    return tuple((name, "HTTP_" + name.upper().replace("-", "_")) for name in headers)


def shopify_headers(environ: dict) -> dict[str, str]:
    """Every X-Shopify-* header, named as werkzeug names them ("X-Shopify-Webhook-Id"), in one pass
    over the WSGI environ (what a webhook row keeps). A delivery that uses the unprefixed names
    (Shopify-Topic…, which the verifier accepts too) has them under the X-Shopify-* names; where both
    are sent, the X-Shopify-* one is kept."""
    found = {}
    unprefixed = {}
    for key, value in environ.items():
        if key.startswith("HTTP_X_SHOPIFY_"):
            found[key[5:].replace("_", "-").title()] = value
        elif key.startswith("HTTP_SHOPIFY_"):
            unprefixed["X-" + key[5:].replace("_", "-").title()] = value
    return {**unprefixed, **found} if unprefixed else found


# What verify_webhook_req reads: the signature and the shop domain, under either naming Shopify uses
# (webhook subscriptions send X-Shopify-*, event deliveries the unprefixed names).
WEBHOOK_HEADERS = ("X-Shopify-Hmac-Sha256", "Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain", "Shopify-Shop-Domain")


def webhook_req(environ: dict, body: str) -> dict:
    """Webhook deliveries (a WSGI request: the receiver builds no request object): the verifier reads
    the method, the signature and shop headers and the body. Its log names the path; the signed part
    of a delivery is its body."""
    return {"method": environ["REQUEST_METHOD"], "headers": environ_headers(environ, WEBHOOK_HEADERS),
            "url": environ.get("PATH_INFO", ""), "body": body}


def proxy_req(request: Request) -> dict:
    """App proxy requests: the verifier reads only the URL's query string (the parameters Shopify
    signed), so it gets the path and the raw query; scheme and host are not signed."""
    return {"method": request.method, "headers": {}, "url": _url(request, origin=False), "body": ""}


EXTENSION_HEADERS = ("Authorization", "Origin")


def extension_req(request: Request) -> dict:
    """Checkout and customer account extension requests (GET and their CORS preflight): the verifier
    reads the method, the session token and the Origin, never the body, and the URL only to tell a
    same-origin preflight, so it gets the URL without its query (which holds the buyer's confirmation
    number, for no log record to keep)."""
    return {"method": request.method, "headers": environ_headers(request.environ, EXTENSION_HEADERS),
            "url": _url(request, query=False), "body": ""}


def _signature_text(name: str, value: str) -> str:
    return value if value.isascii() or name.lower() not in SIGNATURE_HEADERS else FORGED


def _url(request: Request, *, origin: bool = True, query: bool = True) -> str:
    """The URL as it was requested (without the scheme and host, or without the query, for verifiers
    that do not read them). Built from the raw query string: the verifiers parse it themselves, and
    werkzeug's `request.url` (an IRI, re-quoted) costs more than the rest of a storefront request. A
    signature that is not ASCII text is handed on as a forged one."""
    url = f"{request.scheme}://{request.host}" if origin else ""
    url += f"{request.root_path}{request.path}"
    if not query:
        return url
    if not all(s.isascii() for s in request.args.getlist("signature")):
        raw = urlencode([(k, FORGED if k == "signature" else v) for k, v in request.args.items(multi=True)])
    else:
        raw = request.environ.get("QUERY_STRING", "")
    return f"{url}?{raw}" if raw else url


def shopify_response(result) -> Response:
    """Return the package's response verbatim: status, body and security headers."""
    log.info("shopify %s: %s", result.log.code, result.log.detail)
    res = result.response
    return Response(res.body, status=res.status, headers=res.headers)
