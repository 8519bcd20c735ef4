"""The customer's conversations: exported with their data, erased with it."""
from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from shop_plugin.helpdesk.models import InboundEmail, Ticket, TicketAttachment, TicketEntry
from shop_plugin.notify.models import OptOut
from shop_plugin.shops.models import Shop

REDACTED = "[redacted at the customer's request]"


def _ticket_ids(s: Session, shop: Shop, email: str | None, order_ids: list[int]) -> list[int]:
    match = [Ticket.order_shopify_id.in_(order_ids)] if order_ids else []
    if email:
        match.append(func.lower(Ticket.customer_email) == email.lower())
    if not match:
        return []
    return list(s.scalars(select(Ticket.id).where(Ticket.shop_id == shop.id, or_(*match))))


def export(s: Session, *, shop: Shop, email: str | None, order_ids: list[int]) -> list[dict]:
    """Every ticket about the customer, with the messages exchanged (internal notes excluded)."""
    ids = _ticket_ids(s, shop, email, order_ids)
    entries: dict[int, list] = {}
    for e in s.scalars(select(TicketEntry).where(TicketEntry.shop_id == shop.id, TicketEntry.ticket_id.in_(ids),
                                                 TicketEntry.kind.in_(("inbound", "reply")))
                       .order_by(TicketEntry.id)):
        entries.setdefault(e.ticket_id, []).append({"kind": e.kind, "at": e.created_at.isoformat(),
                                                    "from": e.email_from, "to": e.email_to, "body": e.body})
    tickets = s.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id))
    return [{"id": t.id, "reason": t.reason, "title": t.title, "status": t.status,
             "created_at": t.created_at.isoformat(),
             "csat_rating": t.csat_rating, "csat_comment": t.csat_comment, "messages": entries.get(t.id, [])}
            for t in tickets]


def redact(s: Session, *, shop: Shop, email: str | None, order_ids: list[int]) -> int:
    """Erase what the customer wrote and where they wrote from; the tickets stay for the shop's
    records (reason, status, times). Returns how many tickets were touched."""
    ids = _ticket_ids(s, shop, email, order_ids)
    if ids:
        entry_ids = select(TicketEntry.id).where(TicketEntry.shop_id == shop.id, TicketEntry.ticket_id.in_(ids))
        s.execute(delete(TicketAttachment).where(TicketAttachment.shop_id == shop.id,
                                                 TicketAttachment.entry_id.in_(entry_ids)))
        # Every line: the customer's words, ours to them, and the app's own lines, which quote their name
        # ("Hello Kim"), address ("survey emailed to …") or CSAT comment. Staff authors stay.
        s.execute(update(TicketEntry).where(TicketEntry.shop_id == shop.id, TicketEntry.ticket_id.in_(ids))
                  .values(body=REDACTED, email_from=None, email_to=None, delivery_detail=None))
        s.execute(update(TicketEntry).where(TicketEntry.shop_id == shop.id, TicketEntry.ticket_id.in_(ids),
                                            TicketEntry.kind == "inbound")  # their mail client's ids name their host
                  .values(author="customer", message_id=None, in_reply_to=None))
        for ticket in s.scalars(select(Ticket).where(Ticket.id.in_(ids))):
            ticket.customer_email = ticket.customer_name = ticket.title = ticket.csat_comment = None
            if ticket.subject.startswith("customer:"):  # keyed by a hash of the email
                ticket.subject = f"redacted:{ticket.id}"
    raw = [InboundEmail.ticket_id.in_(ids)] if ids else []
    if email:
        raw.append(func.lower(InboundEmail.sender) == email.lower())
        s.execute(delete(OptOut).where(OptOut.shop_id == shop.id, OptOut.email == email.lower()))
    if raw:
        s.execute(update(InboundEmail).where(InboundEmail.shop_id == shop.id, or_(*raw))
                  .values(raw=REDACTED.encode(), sender=None))
    if email:  # mail that reached no shop (unroutable) but came from this customer
        s.execute(update(InboundEmail).where(InboundEmail.shop_id.is_(None),
                                             func.lower(InboundEmail.sender) == email.lower())
                  .values(raw=REDACTED.encode(), sender=None))
    return len(ids)
