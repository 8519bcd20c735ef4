"""The simulator's Flask application: one imitated Shopify store for local development."""
from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from simulator import admin_api, pages
from simulator.context import Simulator


def create_simulator_app(config: dict[str, Any]) -> Flask:
    """Build the simulator; `config` overrides simulator.context.DEFAULTS (SHOP, APP_URL, API_KEY, ...).

    SYNC_DELIVERY=True delivers webhooks in the request's own thread, and RETRY_DELAYS sets the
    pauses between attempts, so tests can be deterministic and fast.
    """
    app = Flask(__name__)
    sim = Simulator(config)
    app.config.update(sim.config)
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or secrets.token_hex(16)
    # Cookies ignore the port: under Flask's default name this one would overwrite the app's own
    # session cookie, both being on 127.0.0.1.
    app.config["SESSION_COOKIE_NAME"] = "store_simulator_session"
    app.extensions["simulator"] = sim
    app.register_blueprint(pages.bp)
    app.register_blueprint(admin_api.bp)
    return app
