"""Webhook (and Flow action) verifications keep the body out of shopifyapp's log record.

Every verification result carries a log record, `result.log.req`: the request as shopifyapp was
given it, redacted. For a signed body (webhooks, Flow actions) shopifyapp 1.0.2 builds it by
parsing the whole body as JSON and serialising it again, to blank four OAuth fields (client_secret,
access_token…) that no webhook carries, on every call, whether the record is ever logged or not.
For the webhook receiver that is each order parsed and re-serialised per delivery: the largest
single cost of verifying it (three quarters of it for a 5 KB order, about a sixth of the receiver's
CPU under load) for a record the app never logs on success, and which, logged, would copy a
customer's address and order into the logs.

`install` has those two verifications build their record without the body: shopifyapp's own
redaction of the method, headers and URL, and the body's length where the body was. Everything
else (the signature check with the current and old secret, the result and its response) stays
shopifyapp's. The other verifications and token exchanges, whose bodies can hold credentials, keep
shopifyapp's redaction as it is.
"""
from __future__ import annotations

from shopify_app.utils import redact as _redact
from shopify_app.verify import _body_hmac_in_header as _signed_body


def redact_without_body(request: dict) -> dict:
    """shopifyapp's redaction of everything but the body, which the record names by its length. A
    URL without a query string holds nothing to redact (shopifyapp redacts query parameters only),
    so it is kept as it is without running shopifyapp's patterns over it."""
    body, url = request.get("body"), request.get("url")
    plain = isinstance(url, str) and "?" not in url
    record = dict(_redact.redact_http_log({**request, "body": None, "url": None if plain else url}))
    record["body"] = f"[{len(body)} characters, not logged]" if isinstance(body, str) else body
    if plain:
        record["url"] = url
    return record


def install() -> None:
    """Point the signed-body verifications at `redact_without_body` (idempotent). Where a later
    shopifyapp no longer has the hook, nothing changes; the test of this module says so."""
    if hasattr(_signed_body, "redact_http_log"):
        _signed_body.redact_http_log = redact_without_body
