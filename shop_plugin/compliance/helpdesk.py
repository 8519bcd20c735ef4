"""The customer's conversations: exported with their data, erased with it."""
from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from shop_plugin.helpdesk.models import InboundEmail, Ticket, TicketAttachment, TicketEntry
from shop_plugin.notify.models import OptOut
from shop_plugin.orders.models import Order
from shop_plugin.shops.models import Shop

REDACTED = "[redacted at the customer's request]"


def _ticket_ids(s: Session, shop: Shop, email: str | None, order_ids: list[int]) -> list[int]:
    match = [Ticket.order_shopify_id.in_(order_ids)] if order_ids else []
    if email:  # their tickets, and any they wrote on (one the order's buyer took over from them)
        match.append(func.lower(Ticket.customer_email) == email.lower())
        match.append(Ticket.id.in_(select(TicketEntry.ticket_id).where(
            TicketEntry.shop_id == shop.id, func.lower(TicketEntry.email_from) == email.lower())))
    if not match:
        return []
    return list(s.scalars(select(Ticket.id).where(Ticket.shop_id == shop.id, or_(*match))))


def export(s: Session, *, shop: Shop, email: str | None, order_ids: list[int]) -> list[dict]:
    """Every ticket about the customer, with the messages exchanged: theirs, the staff's replies and the
    app's own emails to them (acknowledgements, surveys), with the files they sent (name, type, size).
    Internal notes and the app's lines for staff are the shop's, not the customer's; on a ticket about
    their order, what someone else wrote (anyone can name an order number) and the answers to them are
    that person's."""
    ids = _ticket_ids(s, shop, email, order_ids)
    files: dict[int, list] = {}
    for a in s.execute(select(TicketAttachment.entry_id, TicketAttachment.filename, TicketAttachment.content_type,
                              TicketAttachment.size).where(TicketAttachment.shop_id == shop.id,
                                                           TicketAttachment.entry_id.in_(_entry_ids(shop, ids)))):
        files.setdefault(a.entry_id, []).append({"filename": a.filename, "content_type": a.content_type,
                                                 "size": a.size})
    entries: dict[int, list] = {}
    sent_to_them = (TicketEntry.kind == "system") & TicketEntry.email_to.is_not(None)
    # theirs: the account's address and their orders' (an order may carry another address of theirs)
    addresses = {a.lower() for a in [email, *s.scalars(select(Order.email).where(
        Order.shop_id == shop.id, Order.shopify_id.in_(order_ids)))] if a}
    theirs = [or_(func.lower(TicketEntry.email_from).in_(addresses),
                  func.lower(TicketEntry.email_to).in_(addresses))] if addresses else []
    for e in s.scalars(select(TicketEntry).where(TicketEntry.shop_id == shop.id, TicketEntry.ticket_id.in_(ids),
                                                 TicketEntry.kind.in_(("inbound", "reply")) | sent_to_them, *theirs)
                       .order_by(TicketEntry.id)):
        entries.setdefault(e.ticket_id, []).append({"kind": "email" if e.kind == "system" else e.kind,
                                                    "at": e.created_at.isoformat(), "from": e.email_from,
                                                    "to": e.email_to, "body": e.body,
                                                    "attachments": files.get(e.id, [])})
    tickets = s.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id))
    return [{"id": t.id, "reason": t.reason, "title": t.title, "status": t.status,
             "created_at": t.created_at.isoformat(),
             "csat_rating": t.csat_rating, "csat_comment": t.csat_comment, "messages": entries.get(t.id, [])}
            for t in tickets]


def _entry_ids(shop: Shop, ticket_ids: list[int]):
    return select(TicketEntry.id).where(TicketEntry.shop_id == shop.id, TicketEntry.ticket_id.in_(ticket_ids))


def redact(s: Session, *, shop: Shop, email: str | None, order_ids: list[int]) -> int:
    """Erase what the customer wrote and where they wrote from; the tickets stay for the shop's
    records (reason, status, times). Returns how many tickets were touched."""
    ids = _ticket_ids(s, shop, email, order_ids)
    if ids:
        entry_ids = _entry_ids(shop, ids)
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
