"""The desk around the tickets: staff, canned replies and metrics."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request

from shop_plugin.db import iso, utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import canned, metrics, profiles, query, service
from shop_plugin.helpdesk import staff as staff_service
from shop_plugin.helpdesk.serialize import staff_json
from shop_plugin.promises import service as promises
from shop_plugin.shopify.auth import admin_api
from shop_plugin.validation import MAX_ROW_ID, whole_number

bp = Blueprint("desk", __name__)


def _found(row):
    if row is None:
        abort(404)
    return row


def _staff(staff_id: int):
    return _found(staff_service.get(session(), shop=g.shop, staff_id=staff_id))


def _reply(reply_id: int):
    return _found(canned.get(session(), shop=g.shop, reply_id=reply_id))


def _answer(errors: dict, body: dict, status: int = 200):
    """422 with the field errors (nothing saved), else commit and answer `body`."""
    if errors:
        session().rollback()
        return jsonify(errors=errors), 422
    session().commit()
    return jsonify(body), status


@bp.get("/api/staff")
@admin_api
def list_staff():
    return jsonify(staff=[staff_json(m) for m in staff_service.get_all(session(), shop=g.shop)])


@bp.patch("/api/staff/<row_id:staff_id>")
@admin_api
def update_staff(staff_id: int):
    member = _staff(staff_id)
    errors = profiles.update(session(), shop=g.shop, member=member, document=request.get_json(silent=True))
    return _answer(errors, {} if errors else staff_json(member))


@bp.get("/api/canned-replies")
@admin_api
def list_canned_replies():
    return jsonify(canned_replies=[canned.canned_json(r) for r in canned.get_all(session(), shop=g.shop)])


@bp.post("/api/canned-replies")
@admin_api
def create_canned_reply():
    reply, errors = canned.create(session(), shop=g.shop, document=request.get_json(silent=True), now=utcnow())
    return _answer(errors, {} if errors else canned.canned_json(reply), 201)


@bp.patch("/api/canned-replies/<row_id:reply_id>")
@admin_api
def update_canned_reply(reply_id: int):
    reply = _reply(reply_id)
    errors = canned.update(session(), shop=g.shop, reply=reply, document=request.get_json(silent=True), now=utcnow())
    return _answer(errors, {} if errors else canned.canned_json(reply))


@bp.delete("/api/canned-replies/<row_id:reply_id>")
@admin_api
def delete_canned_reply(reply_id: int):
    canned.delete(session(), shop=g.shop, reply=_reply(reply_id))
    session().commit()
    return "", 204


@bp.get("/api/canned-replies/<row_id:reply_id>/preview")
@admin_api
def preview_canned_reply(reply_id: int):
    reply, ticket_id = _reply(reply_id), whole_number(request.args.get("ticket_id"), MAX_ROW_ID)
    if ticket_id is None:
        return jsonify(errors={"ticket_id": "must be the id of one of this shop's tickets"}), 400
    ticket = _found(service.get(session(), shop=g.shop, ticket_id=ticket_id))
    return jsonify(ticket_id=ticket.id, body=canned.preview(session(), shop=g.shop, reply=reply, ticket=ticket))


@bp.get("/api/metrics")
@admin_api
def get_metrics():
    timezone = promises.get_settings(session(), shop=g.shop)[0]["timezone"]
    bounds, errors = query.date_range(request.args, timezone=timezone, now=utcnow())
    if errors:
        return jsonify(errors=errors), 400
    start, end = bounds
    body = metrics.compute(session(), shop=g.shop, start=start, end=end, timezone=timezone)
    return jsonify({"from": iso(start), "to": iso(end), "timezone": timezone, **body})
