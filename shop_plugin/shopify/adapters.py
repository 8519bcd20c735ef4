"""Flask request in, shopifyapp result out: the package's shapes, passed through unchanged."""
from __future__ import annotations

import logging

from flask import Request, Response

log = logging.getLogger(__name__)


def shopify_req(request: Request, body: str | None = None) -> dict:
    """The raw method, headers, full URL and body, as the verifiers require."""
    return {
        "method": request.method,
        "headers": dict(request.headers),
        "url": request.url,
        "body": request.get_data(as_text=True) if body is None else body,
    }


def shopify_response(result) -> Response:
    """Return the package's response verbatim: status, body and security headers."""
    log.info("shopify %s: %s", result.log.code, result.log.detail)
    res = result.response
    return Response(res.body, status=res.status, headers=res.headers)
