"""Test-only WSGI entry: the real app, except that a request carrying `X-Chaos-Kill` kills its
gunicorn worker with SIGKILL, `before` the app runs or `after` it (its rows committed, its answer
never sent). Never served outside the failure tests."""
from __future__ import annotations

import os
import signal

from shop_plugin import create_app

application = create_app()


def app(environ, start_response):
    when = environ.get("HTTP_X_CHAOS_KILL")
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    if when != "after":
        return application(environ, start_response)
    body = application(environ, lambda status, headers, exc_info=None: None)
    try:
        b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    os.kill(os.getpid(), signal.SIGKILL)
    return []
