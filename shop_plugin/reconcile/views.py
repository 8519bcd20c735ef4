"""GET /api/reconcile/status: how far the install backfill and the latest reconciliation have come."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from shop_plugin.extensions import session
from shop_plugin.reconcile import service
from shop_plugin.shopify.auth import admin_api

bp = Blueprint("reconcile", __name__)


@bp.get("/api/reconcile/status")
@admin_api
def status():
    return jsonify(service.progress(session(), shop=g.shop))
