"""GET /api/stats/delays: which supplier or carrier is failing."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, g, jsonify, request

from shop_plugin.db import iso, parse_time, utcnow
from shop_plugin.delays.stats import GROUPS, delay_stats
from shop_plugin.extensions import session
from shop_plugin.promises import service as promises
from shop_plugin.shopify.auth import admin_api

bp = Blueprint("delays", __name__)


@bp.get("/api/stats/delays")
@admin_api
def stats():
    args, errors = request.args, {}
    group = args.get("group", "supplier")
    if group not in GROUPS:
        errors["group"] = "must be supplier or carrier"
    end = parse_time(args["to"]) if args.get("to") else utcnow()
    start = parse_time(args["from"]) if args.get("from") else (end or utcnow()) - timedelta(days=90)
    for key, value in (("from", start), ("to", end)):
        if value is None:
            errors[key] = "must be an ISO-8601 date and time"
    if errors:
        return jsonify(errors=errors), 400
    timezone = promises.get_settings(session(), shop=g.shop)[0]["timezone"]
    rows = delay_stats(session(), shop_id=g.shop.id, start=start, end=end, group=group, timezone=timezone)
    return jsonify({"group": group, "from": iso(start), "to": iso(end), "groups": rows})
