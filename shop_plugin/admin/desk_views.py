"""The desk: the inbox (filters, keyset pages, bulk assign/resolve) and the ticket page with its forms."""
from __future__ import annotations

from flask import abort, g, request

from shop_plugin.admin import bp, inbox, ticket_page
from shop_plugin.admin.pages import app_home_page, done, form_id, page_form, restored
from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import service

INBOX_DONE = {"assign": "Assigned {n} ticket(s).", "resolve": "Resolved {n} ticket(s)."}


def _inbox(errors: dict | None = None, status: int = 200):
    form, page, filter_errors = inbox.read(request.args, staff=g.staff)
    data = inbox.load(session(), shop=g.shop, page=page, now=utcnow())
    notice = INBOX_DONE.get(request.args.get("done", ""), "").format(n=request.args.get("n", "0")[:4])
    return "admin/inbox.html", {**data, "form": form, "filter_errors": filter_errors, "errors": errors or {},
                                "cursor": request.args.get("cursor", ""), "notice": notice}, status


@bp.get("/inbox")
@app_home_page
def inbox_page():
    return _inbox()


@bp.post("/inbox")
@page_form
def inbox_bulk():
    count, errors = inbox.apply_bulk(session(), shop=g.shop, staff=g.staff, form=request.form, now=utcnow())
    if errors:
        return _inbox(errors, 422)
    return done("admin.inbox_page", done=request.form["bulk"], n=str(count))


def _ticket_or_404(ticket_id: int):
    ticket = service.get(session(), shop=g.shop, ticket_id=ticket_id) if form_id(str(ticket_id)) else None
    if ticket is None:
        abort(404)
    return ticket


def _ticket(ticket, errors: dict | None = None, status: int = 200):
    data = ticket_page.load(session(), shop=g.shop, ticket=ticket, canned_id=request.args.get("canned"), now=utcnow())
    return "admin/ticket.html", {**data, "errors": errors or {}, "values": restored(errors) or {},
                                 "notice": ticket_page.DONE.get(request.args.get("done", ""), "")}, status


@bp.get("/tickets/<row_id:ticket_id>")
@app_home_page
def ticket(ticket_id: int):
    return _ticket(_ticket_or_404(ticket_id))


@bp.post("/tickets/<row_id:ticket_id>")
@page_form
def ticket_action(ticket_id: int):
    found = _ticket_or_404(ticket_id)
    did, errors = ticket_page.act(session(), shop=g.shop, staff=g.staff, ticket=found, form=request.form,
                                  now=utcnow())
    if errors:
        return _ticket(_ticket_or_404(ticket_id), errors, 422)
    return done("admin.ticket", ticket_id=ticket_id, done=did)
