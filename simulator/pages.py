"""The developer's page: the store's state, the webhooks sent, and forms that change the store.

Every form posts, then redirects back to the page (POST/redirect/GET), so reloading never repeats a change.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

import jwt
from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from simulator.context import current
from simulator.model import SHOP_TZ, SimulatorError, parse_amount

bp = Blueprint("pages", __name__)

LOCALES = ("en", "ko", "id")
EVENT_STATUSES = ("label_printed", "label_purchased", "confirmed", "carrier_picked_up", "in_transit",
                  "out_for_delivery", "attempted_delivery", "ready_for_pickup", "delayed", "failure",
                  "delivered")
DISPUTE_TYPES = ("chargeback", "inquiry")
DISPUTE_REASONS = ("fraudulent", "product_not_received", "product_unacceptable", "unrecognized",
                   "duplicate", "subscription_canceled", "credit_not_processed", "general")
DISPUTE_STATUSES = ("needs_response", "under_review", "accepted", "won", "lost")
CARRIERS = ("UPS", "FedEx", "DHL Express", "USPS", "CJ Logistics", "J&T Express", "Other")


def field(name: str, allowed: tuple[str, ...] | None = None, default: str = "") -> str:
    value = request.form.get(name, default).strip()
    if allowed is not None and value not in allowed:
        raise SimulatorError(f"{name} must be one of: {', '.join(allowed)}")
    return value


def number(name: str) -> int:
    raw = request.form.get(name, "").strip()
    if not raw.isdigit():
        raise SimulatorError(f"{name} must be a whole number")
    return int(raw)


def change(view: Callable[..., str]) -> Callable[..., Response]:
    """Run a form's change, show its outcome or the store's refusal, and go back to the page."""

    @wraps(view)
    def wrapper(**kwargs: int) -> Response:
        try:
            flash(view(**kwargs), "ok")
        except SimulatorError as exc:
            flash(str(exc), "error")
        return redirect(url_for("pages.index"))

    return wrapper


def admin_url() -> str:
    """The app as Shopify admin opens it: the embedded query, with a fresh ID token and an hmac."""
    cfg, shop = current().config, current().shop
    now = int(time.time())
    claims = {"iss": f"https://{shop.domain}/admin", "dest": f"https://{shop.domain}", "aud": cfg["API_KEY"],
              "sub": "1", "exp": now + 60, "nbf": now - 5, "iat": now, "jti": str(uuid.uuid4()),
              "sid": str(uuid.uuid4())}
    host = base64.b64encode(f"admin.shopify.com/store/{shop.handle}".encode()).decode().rstrip("=")
    params = {"embedded": "1", "host": host, "id_token": jwt.encode(claims, cfg["API_SECRET"], algorithm="HS256"),
              "locale": "en", "session": secrets.token_hex(32), "shop": shop.domain, "timestamp": str(now)}
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["hmac"] = hmac.new(cfg["API_SECRET"].encode(), message.encode(), hashlib.sha256).hexdigest()
    return f"{cfg['APP_URL']}/?{urlencode(params)}"


@bp.get("/")
def index() -> str:
    sim = current()
    with sim.store.lock:
        orders = sorted(sim.store.orders.values(), key=lambda o: o.id, reverse=True)
        return render_template(
            "simulator/index.html", sim=sim, orders=orders, products=sim.store.products,
            attempts=sim.deliverer.attempts(50), locales=LOCALES, event_statuses=EVENT_STATUSES,
            dispute_types=DISPUTE_TYPES, dispute_reasons=DISPUTE_REASONS, dispute_statuses=DISPUTE_STATUSES,
            carriers=CARRIERS, metafields=lambda o: sim.metafields.for_owner(f"gid://shopify/Order/{o.id}"),
        )


@bp.get("/open-admin")
def open_admin() -> Response:
    """Mint the ID token on click: it lives 60 seconds, far less than a page stays open."""
    return redirect(admin_url())


@bp.post("/orders")
@change
def create_order() -> str:
    country = field("country_code").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise SimulatorError("The destination must be a two-letter country code")
    email = field("email")
    if "@" not in email:
        raise SimulatorError("The email must contain @")
    order, events = current().store.create_order(
        number("product_id"), number("quantity"), country, field("locale", LOCALES), email, field("name"))
    current().deliver(events)
    return f"Created order #{order.number}"


@bp.post("/orders/<int:order_id>/pay")
@change
def pay(order_id: int) -> str:
    current().deliver(current().store.mark_paid(order_id))
    return "Marked paid"


@bp.post("/orders/<int:order_id>/cancel")
@change
def cancel(order_id: int) -> str:
    current().deliver(current().store.cancel(order_id))
    return "Cancelled"


@bp.post("/orders/<int:order_id>/fulfillments")
@change
def fulfil(order_id: int) -> str:
    current().deliver(current().store.fulfil(order_id, field("tracking_company"), field("tracking_number")))
    return "Fulfilled"


@bp.post("/fulfillments/<int:fulfillment_id>/events")
@change
def add_event(fulfillment_id: int) -> str:
    raw_eta = field("estimated_delivery_at")
    try:
        eta = datetime.fromisoformat(raw_eta).replace(tzinfo=SHOP_TZ) if raw_eta else None
    except ValueError:
        raise SimulatorError("The estimated delivery must be a date") from None
    status = field("status", EVENT_STATUSES)
    current().deliver(current().store.add_event(
        fulfillment_id, status, field("message"), field("city"), field("country"), eta))
    return f"Added event {status}"


@bp.post("/orders/<int:order_id>/refunds")
@change
def refund(order_id: int) -> str:
    _, events = current().store.refund(order_id, parse_amount(field("amount")), field("note"))
    current().deliver(events)
    return "Refunded"


@bp.post("/orders/<int:order_id>/disputes")
@change
def open_dispute(order_id: int) -> str:
    current().deliver(current().store.open_dispute(
        order_id, field("type", DISPUTE_TYPES), field("reason", DISPUTE_REASONS)))
    return "Opened a dispute"


@bp.post("/disputes/<int:dispute_id>/status")
@change
def dispute_status(dispute_id: int) -> str:
    status = field("status", DISPUTE_STATUSES)
    current().deliver(current().store.update_dispute(dispute_id, status))
    return f"Dispute is now {status}"
