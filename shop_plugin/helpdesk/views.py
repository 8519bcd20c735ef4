"""Tickets API: list (keyset pages) and one ticket with its notes and messages."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request

from shop_plugin.db import iso
from shop_plugin.extensions import session
from shop_plugin.helpdesk import service
from shop_plugin.helpdesk.models import STATUSES, Ticket
from shop_plugin.orders.service import names_for
from shop_plugin.shopify.auth import admin_api

bp = Blueprint("helpdesk", __name__)
MAX_LIMIT = 200


def ticket_json(ticket: Ticket, order_names: dict[int, str]) -> dict:
    return {
        "id": ticket.id, "order_id": ticket.order_shopify_id, "order_name": order_names.get(ticket.order_shopify_id),
        "reason": ticket.reason, "status": ticket.status, "priority": ticket.priority, "tags": ticket.tags,
        "created_at": iso(ticket.created_at), "updated_at": iso(ticket.updated_at),
        "first_response_due_at": iso(ticket.first_response_due_at),
        "resolution_due_at": iso(ticket.resolution_due_at),
    }


@bp.get("/api/tickets")
@admin_api
def list_tickets():
    args, errors = request.args, {}
    for key in ("order_id", "cursor"):
        if args.get(key) and not args[key].isdigit():
            errors[key] = "must be a number"
    if args.get("status") and args["status"] not in STATUSES:
        errors["status"] = f"must be one of {', '.join(STATUSES)}"
    limit = args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        errors["limit"] = f"must be 1 to {MAX_LIMIT}"
    if errors:
        return jsonify(errors=errors), 400
    tickets = service.get_all(
        session(), shop=g.shop, order_id=int(args["order_id"]) if args.get("order_id") else None,
        status=args.get("status"), reason=args.get("reason"), limit=int(limit) + 1,
        before_id=int(args["cursor"]) if args.get("cursor") else None)
    page, more = tickets[:int(limit)], len(tickets) > int(limit)
    names = names_for(session(), shop=g.shop, order_ids=[t.order_shopify_id for t in page])
    return jsonify(tickets=[ticket_json(t, names) for t in page], next_cursor=str(page[-1].id) if more else None)


@bp.get("/api/tickets/<int:ticket_id>")
@admin_api
def get_ticket(ticket_id: int):
    ticket = service.get(session(), shop=g.shop, ticket_id=ticket_id)
    if ticket is None:
        abort(404)
    entries = service.entries(session(), shop=g.shop, ticket_id=ticket.id)
    body = ticket_json(ticket, names_for(session(), shop=g.shop, order_ids=[ticket.order_shopify_id]))
    body["messages"] = [{"id": e.id, "kind": e.kind, "body": e.body, "author": e.author,
                         "created_at": iso(e.created_at)} for e in entries]
    return jsonify(body)

