"""GET /healthz: can we make a webhook durable, and is the queue reachable?"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from shop_plugin import jobs
from shop_plugin.extensions import database

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    body, status = {}, 200
    try:
        with database().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        log.error("health: database unreachable: %s", exc)
        body["database"], status = "unavailable", 503
    try:
        body["queue"] = jobs.queue().ping()
    except Exception as exc:  # noqa: BLE001 - webhooks stay durable without the queue
        log.error("health: queue unreachable: %s", exc)
        body["queue"] = "unavailable"
    return jsonify(body), status
