"""ShipPromise: honest shipping promises, delay tickets and refund prompts for Shopify stores."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from flask import Flask
from flask.sessions import NullSession, SessionInterface

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None, env: dict | None = None) -> Flask:
    """Build the app from the environment (or `env`), with `overrides` applied on top.

    A missing or malformed setting stops start-up with a one-line message.
    """
    from shop_plugin import cli, config, jobs
    from shop_plugin.effects import service as _effects  # noqa: F401 - registers after-commit enqueueing
    from shop_plugin.extensions import Database
    from shop_plugin.promises import storefront_endpoints
    from shop_plugin.shopify import client
    from webhooks import receiver

    try:
        settings = config.load(env)
    except config.ConfigError as exc:
        sys.exit(f"ShipPromise cannot start: {exc}")
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance"))
    app.config.update(settings)
    app.config.update(overrides or {})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app.session_interface = NoCookieSessions()
    # In front of Flask's routing (inside what jobs.init_app may wrap): the storefront's promise
    # endpoints, then, outermost, POST /webhooks
    storefront_endpoints.mount(app)
    receiver.mount(app)
    Database().init_app(app)
    jobs.init_app(app)
    client.init_app(app)
    cli.init_app(app)
    _register_blueprints(app)
    _register_headers(app)
    return app


class NoCookieSessions(SessionInterface):
    """ShipPromise keeps no state in cookies: admin pages authenticate with Shopify session tokens,
    forms with signed page tokens. Flask's cookie session would still build a signer for every
    request (webhooks and storefront calls included) to read a cookie that never exists."""

    def open_session(self, app: Flask, request) -> NullSession:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session, response) -> None:
        return None


def _register_blueprints(app: Flask) -> None:
    from shop_plugin.admin.views import bp as admin
    from shop_plugin.api.routing import IdConverter, RowIdConverter
    from shop_plugin.api.views import bp as api
    from shop_plugin.delays.views import bp as delays
    from shop_plugin.disputes.views import bp as disputes
    from shop_plugin.events.views import bp as events
    from shop_plugin.health import bp as health
    from shop_plugin.helpdesk.contact_views import bp as contact
    from shop_plugin.helpdesk.csat_views import bp as csat
    from shop_plugin.helpdesk.desk_views import bp as desk
    from shop_plugin.helpdesk.mail_views import bp as helpdesk_mail
    from shop_plugin.helpdesk.views import bp as helpdesk
    from shop_plugin.notify.views import bp as notify
    from shop_plugin.orders.views import bp as orders
    from shop_plugin.promises.views import bp as promises
    from shop_plugin.reconcile.views import bp as reconcile
    from shop_plugin.refunds.choice_views import bp as choices
    from shop_plugin.refunds.views import bp as refunds

    blueprints = (admin, delays, disputes, events, health, helpdesk, notify, orders, promises, reconcile, refunds,
                  choices, desk, api, helpdesk_mail, contact, csat)
    app.url_map.converters.update(int=IdConverter, row_id=RowIdConverter)  # before any rule is added
    for bp in blueprints:
        app.register_blueprint(bp)


STANDALONE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
                  "base-uri 'none'; frame-ancestors 'none'")


def _register_headers(app: Flask) -> None:
    from shop_plugin.mounted import SECURITY_HEADERS

    @app.after_request
    def default_security_headers(response):
        """App Home pages carry shopifyapp's frame-ancestors CSP. Any other HTML (customer choice pages,
        the evidence pack, unsubscribe) loads nothing from anywhere, runs no script, posts only to itself
        and may not be framed."""
        if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = STANDALONE_CSP
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
