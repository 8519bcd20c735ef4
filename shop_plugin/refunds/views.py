"""Refund prompts, for the embedded admin: list, accept (one refund), dismiss."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from shop_plugin.extensions import session
from shop_plugin.orders.service import names_for
from shop_plugin.refunds import service
from shop_plugin.refunds.models import STATUSES
from shop_plugin.refunds.serialize import prompt_json
from shop_plugin.shopify.auth import admin_api
from shop_plugin.validation import whole_number

bp = Blueprint("refunds", __name__)


def _text(value) -> bool:
    """Absent, or text PostgreSQL can store (no NUL characters)."""
    return value is None or (isinstance(value, str) and "\x00" not in value)


@bp.get("/api/refund-prompts")
@admin_api
def list_prompts():
    status, order_id = request.args.get("status"), request.args.get("order_id")
    if (status and status not in STATUSES) or (order_id and whole_number(order_id) is None):
        return jsonify(errors={"status": f"one of {', '.join(STATUSES)}", "order_id": "a number"}), 400
    prompts = service.get_all(session(), shop=g.shop, status=status, order_id=whole_number(order_id))
    names = names_for(session(), shop=g.shop, order_ids=[p.order_shopify_id for p in prompts])
    return jsonify(prompts=[prompt_json(p, names) for p in prompts])


@bp.post("/api/refund-prompts/<row_id:prompt_id>/accept")
@admin_api
def accept(prompt_id: int):
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or not _text(body.get("note")):
        return jsonify(error="the body must be a JSON object; note, if given, text"), 422
    try:
        prompt = service.accept(session(), shop=g.shop, prompt_id=prompt_id, amount=body.get("amount"),
                                note=body.get("note"))
    except service.PromptError as exc:
        return jsonify(error=str(exc)), exc.status
    if prompt.status == "refunded":
        return jsonify(status="refunded", refund_id=prompt.refund_shopify_id)
    return jsonify(status=prompt.status, error=prompt.error, retryable=True), 502


@bp.post("/api/refund-prompts/<row_id:prompt_id>/dismiss")
@admin_api
def dismiss(prompt_id: int):
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or not _text(body.get("reason")):
        return jsonify(error="the body must be a JSON object; reason, if given, text"), 422
    reason = str(body.get("reason") or "")
    try:
        prompt = service.dismiss(session(), shop=g.shop, prompt_id=prompt_id, reason=reason)
    except service.PromptError as exc:
        return jsonify(error=str(exc)), exc.status
    return jsonify(status=prompt.status)
