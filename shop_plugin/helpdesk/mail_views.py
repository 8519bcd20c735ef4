"""POST /inbound/email: the mail provider's hook. Check the shared secret, store the raw mail,
process it, answer 202. Off (404) while INBOUND_EMAIL_SECRET is unset."""
from __future__ import annotations

import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from shop_plugin.bodies import read_body
from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import mail_inbox

log = logging.getLogger(__name__)
bp = Blueprint("helpdesk_mail", __name__)
MAX_MAIL = 10 * 1024 * 1024
SECRET_HEADER = "X-ShipPromise-Inbound-Secret"
ENVELOPE_HEADER = "X-ShipPromise-Envelope-To"  # the SMTP recipient, when the provider passes it on


@bp.post("/inbound/email")
def inbound_email():
    secret = current_app.config.get("INBOUND_EMAIL_SECRET")
    if not secret:
        abort(404)
    if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
        return jsonify(error="unauthorized"), 401
    raw = read_body(request.environ, MAX_MAIL)  # 413 above MAX_MAIL, chunked or not, before anything is stored
    if not raw.strip():
        return jsonify(error="empty body: post the raw MIME message"), 400
    row, fresh = mail_inbox.store(session(), raw=raw, envelope_to=request.headers.get(ENVELOPE_HEADER), now=utcnow())
    try:
        status = mail_inbox.process(session(), inbound_id=row.id, now=utcnow())
    except Exception:  # noqa: BLE001 - kept as received; the provider's retry processes it
        log.exception("inbound email %s stored but not processed", row.id)
        return jsonify(id=row.id, error="stored; processing failed, retry later"), 503, {"Retry-After": "60"}
    return jsonify(id=row.id, status=status, duplicate=not fresh), 202


@bp.errorhandler(SQLAlchemyError)
def database_unavailable(exc):
    """Never acknowledge a mail we could not store: the provider will retry it."""
    log.error("inbound email not stored: %s", exc)
    return jsonify(error="temporarily unavailable"), 503, {"Retry-After": "30"}
