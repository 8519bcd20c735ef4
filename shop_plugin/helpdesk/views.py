"""Tickets API: the inbox list (filters, keyset pages), one ticket with its story, changes,
messages and bulk changes. Field errors: 400 for query strings, 422 for bodies."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy.exc import IntegrityError

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import actions, bulk, query, serialize, service, story
from shop_plugin.helpdesk.models import Ticket
from shop_plugin.shopify.auth import admin_api

bp = Blueprint("helpdesk", __name__)
NOT_AN_OBJECT = {"": "request body must be a JSON object"}
# Reopening a ticket while another is open for the same order and reason breaks the one-open-
# ticket rule; the merchant works on the open one instead.
REOPEN_CONFLICT = {"status": "another ticket for this order and reason is open; work on that one"}


def _ticket(ticket_id: int) -> Ticket:
    ticket = service.get(session(), shop=g.shop, ticket_id=ticket_id)
    if ticket is None:
        abort(404)
    return ticket


def _json_object() -> dict | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.get("/api/tickets")
@admin_api
def list_tickets():
    page, errors = query.page(request.args)
    if errors:
        return jsonify(errors=errors), 400
    tickets = service.get_all(session(), shop=g.shop, filters=page.filters, sort=page.sort, limit=page.limit + 1,
                              before_id=page.before_id, after=page.after)
    rows, more = tickets[:page.limit], len(tickets) > page.limit
    return jsonify(tickets=serialize.tickets_json(session(), shop=g.shop, tickets=rows, now=utcnow()),
                   next_cursor=query.encode_cursor(page.sort, rows[-1]) if more else None)


@bp.get("/api/tickets/<row_id:ticket_id>")
@admin_api
def get_ticket(ticket_id: int):
    return jsonify(story.for_ticket(session(), shop=g.shop, ticket=_ticket(ticket_id)))


@bp.patch("/api/tickets/<row_id:ticket_id>")
@admin_api
def update_ticket(ticket_id: int):
    ticket, changes = _ticket(ticket_id), _json_object()
    if changes is None:
        return jsonify(errors=NOT_AN_OBJECT), 422
    try:
        errors = actions.update_ticket(session(), shop=g.shop, ticket=ticket, changes=changes, staff=g.staff,
                                       now=utcnow())
    except IntegrityError:
        session().rollback()
        return jsonify(errors=REOPEN_CONFLICT), 409
    if errors:
        session().rollback()
        return jsonify(errors=errors), 422
    session().commit()
    return jsonify(serialize.tickets_json(session(), shop=g.shop, tickets=[ticket], now=utcnow())[0])


@bp.post("/api/tickets/<row_id:ticket_id>/messages")
@admin_api
def add_message(ticket_id: int):
    ticket, body = _ticket(ticket_id), _json_object()
    if body is None:
        return jsonify(errors=NOT_AN_OBJECT), 422
    unknown = set(body) - {"kind", "body", "canned_reply_id"}
    if unknown:
        return jsonify(errors={key: "unknown field; allowed: kind, body, canned_reply_id" for key in unknown}), 422
    entry, errors = actions.add_message(session(), shop=g.shop, ticket=ticket, kind=body.get("kind"),
                                        body=body.get("body"), staff=g.staff, now=utcnow(),
                                        canned_reply_id=body.get("canned_reply_id"))
    if errors:
        session().rollback()
        return jsonify(errors=errors), 422
    message = serialize.message_json(entry)
    session().commit()
    return jsonify(message), 201


@bp.post("/api/tickets/bulk")
@admin_api
def bulk_update():
    try:
        updated, errors = bulk.update_many(session(), shop=g.shop, document=request.get_json(silent=True),
                                           staff=g.staff, now=utcnow())
    except IntegrityError:
        session().rollback()
        return jsonify(errors={f"changes.{k}": v for k, v in REOPEN_CONFLICT.items()}), 409
    if errors:
        session().rollback()
        return jsonify(errors=errors), 422
    session().commit()
    return jsonify(updated=updated)
