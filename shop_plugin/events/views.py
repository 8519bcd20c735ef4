"""GET /api/webhook-events: this shop's deliveries and what became of them."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from shop_plugin.db import iso
from shop_plugin.events.models import STATUSES, WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.shopify.auth import admin_api
from shop_plugin.validation import whole_number

bp = Blueprint("events", __name__)
MAX_LIMIT = 200


@bp.get("/api/webhook-events")
@admin_api
def list_events():
    status = request.args.get("status")
    if status and status not in STATUSES:
        return jsonify(errors={"status": f"must be one of {', '.join(STATUSES)}"}), 400
    limit = whole_number(request.args.get("limit", "50"), MAX_LIMIT)
    if limit is None:
        return jsonify(errors={"limit": f"must be an integer from 1 to {MAX_LIMIT}"}), 400
    stmt = select(WebhookEvent).where(WebhookEvent.shop_domain == g.shop.domain)
    if status:
        stmt = stmt.where(WebhookEvent.status == status)
    if request.args.get("webhook_id"):
        stmt = stmt.where(WebhookEvent.webhook_id == request.args["webhook_id"])
    rows = session().scalars(stmt.order_by(WebhookEvent.id.desc()).limit(limit))
    return jsonify(events=[
        {"id": e.id, "webhook_id": e.webhook_id, "topic": e.topic, "status": e.status,
         "attempts": e.attempts, "error": e.error,
         "received_at": iso(e.received_at)}
        for e in rows
    ])
