"""Dispute evidence packs and the monthly dispute ratio."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, g, jsonify, render_template, request

from shop_plugin.db import utcnow
from shop_plugin.disputes import evidence as packs
from shop_plugin.disputes.ratio import monthly_ratio, warnings_for
from shop_plugin.extensions import session
from shop_plugin.promises import service as promises
from shop_plugin.shopify.auth import admin_api

bp = Blueprint("disputes", __name__)


@bp.get("/api/disputes/ratio")
@admin_api
def ratio():
    settings, _ = promises.get_settings(session(), shop=g.shop)
    month = request.args.get("month") or utcnow().astimezone(ZoneInfo(settings["timezone"])).strftime("%Y-%m")
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month) or not "1970" <= month[:4] <= "9998":
        return jsonify(errors={"month": "must be YYYY-MM, from 1970"}), 400
    figures = monthly_ratio(session(), shop=g.shop, month=month, timezone=settings["timezone"])
    return jsonify({**figures, "warnings": warnings_for(figures)})


@bp.get("/api/disputes/<int:dispute_id>/evidence")
@admin_api
def evidence(dispute_id: int):
    """HTML for printing to PDF; JSON when asked with Accept: application/json."""
    dispute = packs.get_dispute(session(), shop=g.shop, dispute_id=dispute_id)
    if dispute is None:
        abort(404)
    pack = packs.build(session(), shop=g.shop, dispute=dispute)
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(pack)
    return render_template("admin/evidence.html", pack=pack)
