"""Endpoints mounted in front of Flask's routing: the paths every store calls all the time.

The webhook receiver (every delivery of every shop) and the storefront endpoints (every product page
view, every thank-you and order status page) are plain WSGI endpoints wrapped around `app.wsgi_app`,
not blueprint routes: Flask's per-request machinery (request context, URL matching, response hooks
and their header bookkeeping) costs as much CPU as what those endpoints do. This module holds what
they share: mounting, how an exception reaches the caller, and the JSON error answer.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.wrappers import Response

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]  # a werkzeug Response or HTTPException is one
# What every response of the app carries: Flask's routes get them from the app's after-request hook
# (shop_plugin/__init__.py), the mounted endpoints set them themselves.
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
NOSNIFF = {"X-Content-Type-Options": SECURITY_HEADERS["X-Content-Type-Options"]}


class Mounted:
    """A WSGI endpoint in front of `routes` (the app's WSGI app as it was): what it does not serve goes on."""

    def __init__(self, app: Flask, routes: WSGIApp) -> None:
        self.app, self.routes = app, routes

    @classmethod
    def mount(cls, app: Flask) -> None:
        app.wsgi_app = cls(app, app.wsgi_app)


def propagates(app: Flask) -> bool:
    """As Flask decides for its views: exceptions reach the caller in tests and debugging."""
    propagate = app.config.get("PROPAGATE_EXCEPTIONS")
    return propagate if propagate is not None else (app.testing or app.debug)


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """{"error": message}, as the app's other JSON endpoints answer errors."""
    return Response(json.dumps({"error": message}), status, mimetype="application/json",
                    headers={**NOSNIFF, **(headers or {})})
