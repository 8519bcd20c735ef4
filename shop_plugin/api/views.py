"""GET /api/openapi.json, and JSON instead of HTML for errors under /api/."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from shop_plugin.api.openapi import document

bp = Blueprint("api", __name__)


@bp.get("/api/openapi.json")
def openapi():
    """The contract, readable without a session token (it holds no shop data)."""
    return jsonify(document())


@bp.app_errorhandler(HTTPException)
def json_errors(error: HTTPException):
    """API clients get {"error": ...} for 404, 405 and the like; pages keep Flask's HTML."""
    if not request.path.startswith("/api/"):
        return error
    headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
    return jsonify(error=error.description or error.name), error.code, headers
