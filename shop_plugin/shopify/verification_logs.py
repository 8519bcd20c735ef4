"""The log records of the verifications on the hot paths, built for what those requests hold.

Every verification result carries a log record, `result.log.req`: the request as shopifyapp was
given it, redacted, built on every call whether it is ever logged or not.
- Webhooks (and Flow actions): shopifyapp 1.0.2 builds it by parsing the whole body as JSON and
  serialising it again, to blank four OAuth fields (client_secret, access_token…) that no webhook
  carries. For the webhook receiver that was each order parsed and re-serialised per delivery: three
  quarters of the cost of verifying a 5 KB order, for a record the app never logs on success and
  which, logged, would copy a customer's address and order into the logs.
- The storefront endpoints (app proxy; checkout and customer account extensions), called by every
  product page view and order page: three regular expressions looked up and run over the URL, and a
  JSON parse of the empty body that fails, were a quarter of the verification.

`install` points those verifications at `redact_for_log`: shopifyapp's redaction of the headers; the
URL parameters shopifyapp redacts (its own list and mark) blanked by one precompiled pattern; a body
named by its length, an empty one left empty. Everything else (the signature checks with the current
and old secret, the result and its response) stays shopifyapp's. The other verifications and token
exchanges, whose bodies can hold credentials, keep shopifyapp's redaction as it is.
"""
from __future__ import annotations

import re

from shopify_app.utils import redact as _redact
from shopify_app.verify import _body_hmac_in_header, _non_exchangeable_id_token, app_proxy

# shopifyapp's `_sanitize_url` (one pattern per parameter, each compiled from its text on every call),
# as one pattern: a parameter's value runs to the next "&", so the matches are the same.
_SENSITIVE_PARAMS = re.compile(
    r"([?&](?:" + "|".join(re.escape(p) for p in sorted(_redact._SENSITIVE_URL_PARAMS)) + r")=)[^&]*", re.IGNORECASE)
HOOKED = (_body_hmac_in_header, _non_exchangeable_id_token, app_proxy)


def redact_url(url: str) -> str:
    """What shopifyapp's redaction makes of a URL; one with no "?" or "&" holds nothing to redact."""
    if "?" not in url and "&" not in url:
        return url
    return _SENSITIVE_PARAMS.sub(lambda m: m.group(1) + _redact._REDACTED, url)


def redact_for_log(request: dict) -> dict:
    """shopifyapp's redaction of the headers and URL; the body named by its length, never kept."""
    record = dict(request)
    if isinstance(record.get("headers"), dict):
        record["headers"] = _redact.redact_http_log({"headers": record["headers"]})["headers"]
    if isinstance(record.get("url"), str):
        record["url"] = redact_url(record["url"])
    body = record.get("body")
    if isinstance(body, str) and body:
        record["body"] = f"[{len(body)} characters, not logged]"
    return record


def install() -> None:
    """Point the hot-path verifications at `redact_for_log` (idempotent). Where a later shopifyapp no
    longer has the hook, nothing changes; the test of this module says so."""
    for module in HOOKED:
        if hasattr(module, "redact_http_log"):
            module.redact_http_log = redact_for_log
