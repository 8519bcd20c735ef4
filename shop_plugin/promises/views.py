"""Settings and preview API for the embedded admin."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from shop_plugin.extensions import session
from shop_plugin.promises import service
from shop_plugin.shopify.auth import admin_api

bp = Blueprint("promises", __name__)


@bp.get("/api/settings")
@admin_api
def get_settings():
    settings, version = service.get_settings(session(), shop=g.shop)
    return jsonify(settings=settings, version=version)


@bp.put("/api/settings")
@admin_api
def put_settings():
    settings, errors = service.save_settings(session(), shop=g.shop, document=request.get_json(silent=True))
    if errors:
        return jsonify(errors=errors), 422
    return jsonify(settings=settings, version=service.get_settings(session(), shop=g.shop)[1])


@bp.post("/api/promise/preview")
@admin_api
def preview():
    result, errors = service.preview(session(), shop=g.shop, body=request.get_json(silent=True))
    if errors:
        return jsonify(errors=errors), 422
    return jsonify(result)
