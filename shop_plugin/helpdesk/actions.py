"""What staff do to a ticket: change its status, priority, assignee and tags; reply; write notes.

Each change leaves a system line on the ticket, so its history reads as what happened."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.db import hold_writes
from shop_plugin.effects import service as effects
from shop_plugin.helpdesk import csat, sla
from shop_plugin.helpdesk import staff as staff_service
from shop_plugin.helpdesk.models import PRIORITIES, STATUSES, CannedReply, StaffMember, Ticket, TicketEntry
from shop_plugin.helpdesk.service import add_system_line
from shop_plugin.shops.models import Shop
from shop_plugin.validation import MAX_ROW_ID

FIELDS = ("status", "priority", "assignee_id", "tags")
TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_TAGS = 20
MAX_BODY = 20_000
FINISHED = ("resolved", "closed")


def _row_id(value) -> bool:
    """A possible row id: an integer (not a bool) that fits the 32-bit id columns."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID


def check_changes(s: Session, shop: Shop, changes: dict) -> dict[str, str]:
    """Field errors of a change set (empty when every change is allowed)."""
    errors: dict[str, str] = {}
    for key in set(changes) - set(FIELDS):
        errors[key] = f"unknown field; allowed: {', '.join(FIELDS)}"
    if "status" in changes and changes["status"] not in STATUSES:
        errors["status"] = f"must be one of {', '.join(STATUSES)}"
    if "priority" in changes and changes["priority"] not in PRIORITIES:
        errors["priority"] = f"must be one of {', '.join(PRIORITIES)}"
    if "assignee_id" in changes:
        value = changes["assignee_id"]
        if value is not None and (not _row_id(value) or staff_service.get(s, shop=shop, staff_id=value) is None):
            errors["assignee_id"] = "must be the id of a staff member of this shop, or null"
    if "tags" in changes:
        tags = changes["tags"]
        if not isinstance(tags, list) or len(tags) > MAX_TAGS or not all(
                isinstance(t, str) and TAG.match(t.strip().lower()) for t in tags):
            errors["tags"] = (f"must be a list of up to {MAX_TAGS} tags: lowercase letters, digits, "
                              "- and _, up to 40 characters")
    return errors


def _hold(s: Session, ticket: Ticket) -> None:
    """Lock the ticket's row until commit and read it as committed: a request changing or writing on the
    same ticket at the same moment waits for this one, then sees what it did. SQLite locks no rows, so
    this transaction becomes its writer first (the other request waits for it, then reads after it)."""
    hold_writes(s)
    s.refresh(ticket, with_for_update=True)


def _settings(s: Session, shop: Shop) -> dict:
    from shop_plugin.promises import service as promises

    return promises.get_settings(s, shop=shop)[0]


def update_ticket(s: Session, *, shop: Shop, ticket: Ticket, changes: dict, staff: StaffMember | None,
                  now: datetime) -> dict[str, str]:
    """Apply the changes, or none of them: returns field errors (empty when applied)."""
    errors = check_changes(s, shop, changes)
    if errors:
        return errors
    _hold(s, ticket)  # two people resolving at once must not both count as the first resolution (two surveys)
    who = staff_service.display_name(staff) if staff else "ShipPromise"
    lines = []
    if "priority" in changes and changes["priority"] != ticket.priority:
        lines.append(f"Priority: {ticket.priority} → {changes['priority']}")
        _set_priority(s, shop, ticket, changes["priority"], now)
    if "status" in changes and changes["status"] != ticket.status:
        lines.append(f"Status: {ticket.status} → {changes['status']}")
        _set_status(s, shop, ticket, changes["status"], now)
    if "assignee_id" in changes and changes["assignee_id"] != ticket.assignee_id:
        member = staff_service.get(s, shop=shop, staff_id=changes["assignee_id"]) if changes["assignee_id"] else None
        lines.append(f"Assigned to {staff_service.display_name(member)}")
        ticket.assignee_id = changes["assignee_id"]
    if "tags" in changes:
        tags = sorted({t.strip().lower() for t in changes["tags"]})
        if tags != sorted(ticket.tags or []):
            lines.append(f"Tags: {', '.join(tags) or 'none'}")
            ticket.tags = tags
    if lines:
        ticket.updated_at = now
        add_system_line(s, shop=shop, ticket_id=ticket.id, body=f"{'; '.join(lines)} (by {who})", now=now)
    return {}


def _set_priority(s: Session, shop: Shop, ticket: Ticket, priority: str, now: datetime) -> None:
    """Deadlines follow the new priority's targets, counted from when the ticket was opened."""
    ticket.priority = priority
    first_due, resolution_due = sla.due_times(ticket.created_at, priority, _settings(s, shop))
    if ticket.first_responded_at is None:
        ticket.first_response_due_at = first_due
    if not ticket.reason == "dispute":  # a dispute is due at its evidence deadline, whatever the priority
        ticket.resolution_due_at = resolution_due
    ticket.due_at = sla.next_due(ticket)


def _set_status(s: Session, shop: Shop, ticket: Ticket, status: str, now: datetime) -> None:
    was = ticket.status
    if status == "pending":
        sla.pause(ticket, now)
    elif was == "pending":
        sla.resume(ticket, now, _settings(s, shop))
    if status in FINISHED:
        if was not in FINISHED:
            ticket.resolved_at = now
            if ticket.resolution_due_at is not None and now > ticket.resolution_due_at:
                ticket.resolution_breached = True
        ticket.paused_at = None
    elif was in FINISHED:
        ticket.resolved_at = None
    ticket.status = status
    ticket.due_at = sla.next_due(ticket)
    s.flush()  # a reopened ticket meets the one-open-ticket-per-reason index here, not at commit
    if status == "resolved" and was not in FINISHED:
        csat.request(s, shop=shop, ticket=ticket, now=now)


def customer_email(s: Session, *, shop: Shop, ticket: Ticket) -> str | None:
    """Where replies go: the address the customer wrote from, else the order's."""
    if ticket.customer_email:
        return ticket.customer_email
    if ticket.order_shopify_id is None:
        return None
    from shop_plugin.orders.models import Order

    return s.scalar(select(Order.email).where(Order.shop_id == shop.id, Order.shopify_id == ticket.order_shopify_id))


def canned_reply(s: Session, *, shop: Shop, reply_id: int) -> CannedReply | None:
    return s.scalars(select(CannedReply).where(CannedReply.shop_id == shop.id,
                                               CannedReply.id == reply_id)).one_or_none()


DOUBLE_SUBMIT = timedelta(seconds=60)


def _just_sent(s: Session, *, shop: Shop, ticket: Ticket, kind: str, body: str, staff: StaffMember | None,
               now: datetime) -> TicketEntry | None:
    """The same message from the same person on this ticket a moment ago: a double click on Send, or a
    client retrying after a timeout. The ticket is held first, so two at once see each other."""
    _hold(s, ticket)
    same_person = TicketEntry.staff_id == staff.id if staff else TicketEntry.staff_id.is_(None)
    return s.scalars(select(TicketEntry).where(
        TicketEntry.shop_id == shop.id, TicketEntry.ticket_id == ticket.id, TicketEntry.kind == kind, same_person,
        TicketEntry.created_at >= now - DOUBLE_SUBMIT, TicketEntry.body == body)
        .order_by(TicketEntry.id.desc()).limit(1)).first()


def add_message(s: Session, *, shop: Shop, ticket: Ticket, kind: str, body: str | None, staff: StaffMember | None,
                now: datetime, canned_reply_id: int | None = None, source: str = "admin",
                ) -> tuple[TicketEntry | None, dict[str, str]]:
    """A reply (emailed to the customer, threaded) or an internal note; (entry, field errors)."""
    from shop_plugin.helpdesk.templating import render_canned

    errors: dict[str, str] = {}
    if kind not in ("reply", "note"):
        errors["kind"] = "must be reply or note"
    if canned_reply_id is not None:
        canned = canned_reply(s, shop=shop, reply_id=canned_reply_id) if _row_id(canned_reply_id) else None
        if canned is None:
            errors["canned_reply_id"] = "must be the id of one of this shop's canned replies"
        elif not body:
            body = render_canned(s, shop=shop, ticket=ticket, template=canned.body)
    if not isinstance(body, str) or not body.strip():
        errors.setdefault("body", "must not be empty")
    elif len(body) > MAX_BODY:
        errors["body"] = f"must be at most {MAX_BODY} characters"
    elif "\x00" in body:
        errors["body"] = "must not contain NUL characters"
    to = customer_email(s, shop=shop, ticket=ticket) if kind == "reply" else None
    if kind == "reply" and not errors and not to:
        errors["kind"] = "this ticket has no customer email to reply to"
    if errors:
        return None, errors
    repeated = _just_sent(s, shop=shop, ticket=ticket, kind=kind, body=body.strip(), staff=staff, now=now)
    if repeated is not None:
        return repeated, {}
    author = staff_service.display_name(staff) if staff else "ShipPromise"
    entry = TicketEntry(shop_id=shop.id, ticket_id=ticket.id, kind=kind, body=body.strip(), author=author[:100],
                        staff_id=staff.id if staff else None, source=source, created_at=now)
    if kind == "reply":
        last_inbound = s.scalar(select(TicketEntry.message_id).where(
            TicketEntry.shop_id == shop.id, TicketEntry.ticket_id == ticket.id, TicketEntry.kind == "inbound",
            TicketEntry.message_id.is_not(None)).order_by(TicketEntry.id.desc()).limit(1))
        entry.message_id = f"<reply.{uuid.uuid4().hex}@{current_app.config['MAIL_DOMAIN']}>"
        entry.in_reply_to, entry.email_to, entry.delivery_status = last_inbound, to, "queued"
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
            if ticket.first_response_due_at is not None and now > ticket.first_response_due_at:
                ticket.first_response_breached = True
            ticket.due_at = sla.next_due(ticket)
    s.add(entry)
    s.flush()
    if kind == "reply":
        effects.schedule(s, shop=shop, kind="ticket_reply", key=str(entry.id), payload={"entry_id": entry.id})
    ticket.updated_at = now
    return entry, {}
