"""The API's ticket and message documents. Lists look up order names and assignees for the
whole page at once, so a page costs the same few queries whatever its size."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.db import iso
from shop_plugin.helpdesk import staff as staff_service
from shop_plugin.helpdesk.models import StaffMember, Ticket, TicketAttachment, TicketEntry
from shop_plugin.orders.service import names_for
from shop_plugin.shops.models import Shop

DUE_SOON = timedelta(hours=1)


def ticket_json(ticket: Ticket, *, order_names: dict[int, str], assignees: dict[int, StaffMember],
                now: datetime) -> dict:
    """One ticket; `overdue` once its next deadline has passed, `due_soon` within the hour before."""
    member = assignees.get(ticket.assignee_id) if ticket.assignee_id else None
    due = ticket.due_at
    return {
        "id": ticket.id, "order_id": ticket.order_shopify_id,
        "order_name": order_names.get(ticket.order_shopify_id), "reason": ticket.reason, "title": ticket.title,
        "status": ticket.status, "priority": ticket.priority, "tags": list(ticket.tags or []),
        "assignee": {"id": member.id, "name": staff_service.display_name(member)} if member else None,
        "customer_email": ticket.customer_email,
        "created_at": iso(ticket.created_at), "updated_at": iso(ticket.updated_at),
        "first_response_due_at": iso(ticket.first_response_due_at),
        "resolution_due_at": iso(ticket.resolution_due_at), "due_at": iso(due),
        "overdue": due is not None and due < now,
        "due_soon": due is not None and now <= due <= now + DUE_SOON,
        "first_response_breached": bool(ticket.first_response_breached),
        "resolution_breached": bool(ticket.resolution_breached),
    }


def tickets_json(s: Session, *, shop: Shop, tickets: list[Ticket], now: datetime) -> list[dict]:
    """Many tickets in two lookups: their orders' names and their assignees."""
    names = names_for(s, shop=shop, order_ids=[t.order_shopify_id for t in tickets])
    staff_ids = {t.assignee_id for t in tickets if t.assignee_id}
    assignees = {m.id: m for m in s.scalars(select(StaffMember).where(
        StaffMember.shop_id == shop.id, StaffMember.id.in_(staff_ids)))} if staff_ids else {}
    return [ticket_json(t, order_names=names, assignees=assignees, now=now) for t in tickets]


def messages_json(s: Session, *, shop: Shop, entries: list[TicketEntry]) -> list[dict]:
    """Messages with their attachments' descriptions (not their bytes), in one lookup."""
    ids = [e.id for e in entries]
    files: dict[int, list[dict]] = {}
    if ids:
        rows = s.execute(select(TicketAttachment.entry_id, TicketAttachment.id, TicketAttachment.filename,
                                TicketAttachment.content_type, TicketAttachment.size)
                         .where(TicketAttachment.shop_id == shop.id, TicketAttachment.entry_id.in_(ids))
                         .order_by(TicketAttachment.id))
        for row in rows:
            files.setdefault(row.entry_id, []).append(
                {"id": row.id, "filename": row.filename, "content_type": row.content_type, "size": row.size})
    return [message_json(e, files.get(e.id, [])) for e in entries]


def message_json(entry: TicketEntry, attachments: list[dict] | None = None) -> dict:
    """`delivery_status` is set on replies (queued, sent, bounced, failed), null on other kinds."""
    return {"id": entry.id, "kind": entry.kind, "body": entry.body, "author": entry.author,
            "created_at": iso(entry.created_at),
            "delivery_status": entry.delivery_status if entry.kind == "reply" else None,
            "attachments": attachments or []}


def staff_json(member: StaffMember) -> dict:
    return {"id": member.id, "user_id": member.user_id, "name": member.name, "email": member.email,
            "display_name": staff_service.display_name(member), "last_seen_at": iso(member.last_seen_at)}
