"""Tickets: opened or updated per order and reason, resolved, listed. Always scoped by shop."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from shop_plugin.db import dialect_insert
from shop_plugin.helpdesk.models import OPEN_STATUSES, Ticket, TicketEntry
from shop_plugin.helpdesk.sla import due_times
from shop_plugin.shops.models import Shop

PRIORITY = {"delivery_exception": "urgent", "likely_lost": "urgent", "dispute": "urgent", "inquiry": "urgent",
            "past_promise": "high"}


def _open_ticket(s: Session, shop: Shop, subject: str, reason: str) -> Ticket | None:
    return s.scalars(select(Ticket).where(
        Ticket.shop_id == shop.id, Ticket.subject == subject, Ticket.reason == reason,
        Ticket.status.in_(OPEN_STATUSES)).with_for_update()).one_or_none()


def open_or_update(s: Session, *, shop: Shop, order_id: int | None, reason: str, note: str, settings: dict,
                   now: datetime, tags: tuple[str, ...] = (), subject: str | None = None,
                   resolution_due_at: datetime | None = None) -> tuple[Ticket, bool]:
    """The open ticket for (subject, reason), created if there is none; returns (ticket, created).

    The subject is the order unless given (a dispute). The partial unique index on open
    tickets settles races between webhooks and scans."""
    subject = subject or f"order:{order_id}"
    ticket = _open_ticket(s, shop, subject, reason)
    created = False
    if ticket is None:
        priority = PRIORITY.get(reason, "normal")
        first_due, resolution_due = due_times(now, priority, settings)
        stmt = dialect_insert(s, Ticket.__table__).values(
            shop_id=shop.id, order_shopify_id=order_id, subject=subject, reason=reason, status="open",
            priority=priority, tags=sorted({reason, *tags}), created_at=now, updated_at=now,
            first_response_due_at=first_due, resolution_due_at=resolution_due_at or resolution_due,
        ).on_conflict_do_nothing(index_elements=["shop_id", "subject", "reason"],
                                 index_where=text("status IN ('open', 'pending')"))
        created = s.execute(stmt.returning(Ticket.id)).scalar_one_or_none() is not None
        ticket = _open_ticket(s, shop, subject, reason)
    ticket.updated_at = now
    add_note(s, shop=shop, ticket_id=ticket.id, body=note, now=now)
    return ticket, created


def add_note(s: Session, *, shop: Shop, ticket_id: int, body: str, now: datetime) -> None:
    """An internal note on one ticket."""
    s.add(TicketEntry(shop_id=shop.id, ticket_id=ticket_id, kind="note", body=body, created_at=now))


def note_open_tickets(s: Session, *, shop: Shop, order_id: int, body: str, now: datetime) -> int:
    """The same note on every open ticket of an order (refund prompts and refunds concern them all)."""
    ids = list(s.scalars(select(Ticket.id).where(Ticket.shop_id == shop.id, Ticket.order_shopify_id == order_id,
                                                 Ticket.status.in_(OPEN_STATUSES))))
    for ticket_id in ids:
        add_note(s, shop=shop, ticket_id=ticket_id, body=body, now=now)
    return len(ids)


def close(s: Session, *, shop: Shop, subject: str, note: str, now: datetime) -> int:
    """Close the subject's open tickets (e.g. a decided dispute), each with a note."""
    tickets = s.scalars(select(Ticket).where(Ticket.shop_id == shop.id, Ticket.subject == subject,
                                             Ticket.status.in_(OPEN_STATUSES))).all()
    return _finish(s, shop, tickets, "closed", note, now)


def resolve(s: Session, *, shop: Shop, order_id: int, reasons: tuple[str, ...], note: str, now: datetime) -> int:
    """Resolve the order's open tickets for these reasons, each with a note; returns how many."""
    tickets = s.scalars(select(Ticket).where(
        Ticket.shop_id == shop.id, Ticket.order_shopify_id == order_id, Ticket.reason.in_(reasons),
        Ticket.status.in_(OPEN_STATUSES))).all()
    return _finish(s, shop, tickets, "resolved", note, now)


def _finish(s: Session, shop: Shop, tickets, status: str, note: str, now: datetime) -> int:
    for ticket in tickets:
        add_note(s, shop=shop, ticket_id=ticket.id, body=note, now=now)
    if tickets:
        s.execute(update(Ticket).where(Ticket.id.in_([t.id for t in tickets]))
                  .values(status=status, resolved_at=now, updated_at=now))
    return len(tickets)


def get(s: Session, *, shop: Shop, ticket_id: int) -> Ticket | None:
    """One ticket of this shop."""
    return s.scalars(select(Ticket).where(Ticket.shop_id == shop.id, Ticket.id == ticket_id)).one_or_none()


def get_all(s: Session, *, shop: Shop, order_id: int | None = None, status: str | None = None,
            reason: str | None = None, limit: int = 50, before_id: int | None = None) -> list[Ticket]:
    """Newest first, keyset-paged by id."""
    stmt = select(Ticket).where(Ticket.shop_id == shop.id)
    if order_id is not None:
        stmt = stmt.where(Ticket.order_shopify_id == order_id)
    if status:
        stmt = stmt.where(Ticket.status == status)
    if reason:
        stmt = stmt.where(Ticket.reason == reason)
    if before_id:
        stmt = stmt.where(Ticket.id < before_id)
    return list(s.scalars(stmt.order_by(Ticket.id.desc()).limit(limit)))


def entries(s: Session, *, shop: Shop, ticket_id: int) -> list[TicketEntry]:
    return list(s.scalars(select(TicketEntry).where(
        TicketEntry.shop_id == shop.id, TicketEntry.ticket_id == ticket_id).order_by(TicketEntry.id)))
