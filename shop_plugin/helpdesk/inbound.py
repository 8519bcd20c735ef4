"""A customer message, by email or the contact form, onto the right ticket.

`receive` threads it (by In-Reply-To/References, to our mail or a delay notice, then by an order
named in it, then by the sender's open inquiry), opens or reopens the ticket, stores files, tags
it, tells the refund intent hook, and schedules the acknowledgement when the message opened the
ticket.

An automatic reply (out of office, RFC 3834 Auto-Submitted) is no customer message: it opens no
ticket and reopens none, is neither tagged, acknowledged nor heard by the refund intent hook, and
only lands, marked automatic (source AUTO_REPLY), on a ticket it threads into."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.helpdesk import ack, actions, tagging
from shop_plugin.helpdesk import threads as thread
from shop_plugin.helpdesk.attachments import Attachment
from shop_plugin.helpdesk.models import AUTO_REPLY, OPEN_STATUSES, Ticket, TicketAttachment, TicketEntry
from shop_plugin.helpdesk.service import add_system_line, open_or_update
from shop_plugin.orders.models import Order
from shop_plugin.promises import service as promises
from shop_plugin.refunds import intent
from shop_plugin.shops.models import Shop

REASON = "inquiry"
OPENED_BY = {"email": "Opened by a customer email", "form": "Opened from the contact form"}


@dataclass(frozen=True)
class Incoming:
    source: str  # email | form
    sender: str  # a plain lowercased address
    body: str
    sender_name: str = ""
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    recipient: str | None = None
    locale: str | None = None
    order_number: str | None = None  # typed by the customer in the form
    auto_reply: bool = False
    attachments: tuple[Attachment, ...] = ()
    refused: tuple[str, ...] = ()  # "name (why)" of files not kept
    sender_verified: bool | None = None  # the mail provider's verdict on From (sender_auth)
    customer_id: int | None = None  # the form's logged-in customer, signed by Shopify's app proxy


@dataclass
class Received:
    ticket: Ticket | None  # None: an automatic reply to no ticket, not kept
    entry: TicketEntry | None
    created: bool = False
    reopened: bool = False
    duplicate: bool = False


def receive(s: Session, *, shop: Shop, incoming: Incoming, now: datetime) -> Received:
    """Store one customer message on its ticket (see the module docstring). A Message-ID this
    shop already has is a no-op that returns the stored message. An automatic reply that threads
    into no ticket is not kept (ticket and entry None)."""
    if incoming.message_id:
        known = s.scalars(select(TicketEntry).where(TicketEntry.shop_id == shop.id,
                                                    TicketEntry.message_id == incoming.message_id)).one_or_none()
        if known is not None:
            return Received(ticket=s.get(Ticket, known.ticket_id), entry=known, duplicate=True)
    settings, _ = promises.get_settings(s, shop=shop)
    order = thread.order_named(s, shop=shop, incoming=incoming)
    if incoming.auto_reply:
        return _automatic(s, shop, incoming, order, now)
    ticket, created, reopened = _ticket_for(s, shop, incoming, order, settings, now)
    stranger = order is not None and ticket.order_shopify_id == order.shopify_id and \
        (order.email or "").lower() != incoming.sender and (created or ticket.customer_email != incoming.sender)
    _buyer_takes_over(s, shop, ticket, incoming, order, now)
    _fill_in(ticket, incoming, order)
    entry = _entry(s, shop, ticket, incoming, order, now)
    _notes(s, shop, ticket, entry, incoming, order if stranger else None, now)
    tagging.apply(s, shop=shop, ticket=ticket, text=f"{incoming.subject}\n{incoming.body}", settings=settings,
                  now=now)
    ticket.updated_at = now
    intent.on_customer_message(s, shop=shop, ticket=ticket, entry=entry, now=now)
    if (created or reopened) and entry.sender_verified is not False:
        ack.schedule(s, shop=shop, ticket=ticket, entry=entry, settings=settings, now=now)
    return Received(ticket=ticket, entry=entry, created=created, reopened=reopened)


def _automatic(s: Session, shop: Shop, incoming: Incoming, order: Order | None, now: datetime) -> Received:
    """An automatic reply: kept on the ticket it threads into, as it is, marked automatic; else dropped."""
    ticket = _existing(s, shop, incoming, order)
    if ticket is None:
        return Received(ticket=None, entry=None)
    entry = _entry(s, shop, ticket, incoming, order, now)
    _notes(s, shop, ticket, entry, incoming, None, now)
    return Received(ticket=ticket, entry=entry)


def _entry(s: Session, shop: Shop, ticket: Ticket, incoming: Incoming, order: Order | None,
           now: datetime) -> TicketEntry:
    entry = TicketEntry(shop_id=shop.id, ticket_id=ticket.id, kind="inbound", body=incoming.body or "(no text)",
                        author=(incoming.sender_name or incoming.sender)[:100], message_id=incoming.message_id,
                        in_reply_to=incoming.in_reply_to, email_from=incoming.sender, email_to=incoming.recipient,
                        source=AUTO_REPLY if incoming.auto_reply else incoming.source,
                        sender_verified=_verified(incoming, order), created_at=now)
    s.add(entry)
    s.flush()
    return entry


def _existing(s: Session, shop: Shop, incoming: Incoming, order: Order | None) -> Ticket | None:
    """The ticket the message threads into: by its Message-IDs, ours or a delay notice's (the open twin of a
    finished one), else the order's open inquiry, else the sender's."""
    ids = (incoming.in_reply_to, *reversed(incoming.references))
    ticket = thread.by_message_ids(s, shop=shop, ids=ids) or thread.by_notice(s, shop=shop, ids=ids,
                                                                               sender=incoming.sender)
    if ticket is not None and ticket.status not in OPEN_STATUSES:
        ticket = thread.open_twin(s, shop=shop, ticket=ticket) or ticket
    if ticket is None:
        ticket = (thread.open_ticket(s, shop=shop, subject=f"order:{order.shopify_id}", reason=REASON) if order
                  else thread.senders_open_ticket(s, shop=shop, sender=incoming.sender))
    return ticket


def _ticket_for(s: Session, shop: Shop, incoming: Incoming, order: Order | None, settings: dict,
                now: datetime) -> tuple[Ticket, bool, bool]:
    """(ticket, created, reopened)."""
    ticket = _existing(s, shop, incoming, order)
    if ticket is None:
        subject = f"order:{order.shopify_id}" if order else thread.customer_subject(incoming.sender)
        ticket, created = open_or_update(s, shop=shop, order_id=order.shopify_id if order else None, reason=REASON,
                                         note=OPENED_BY.get(incoming.source, "Opened by a customer message"),
                                         settings=settings, now=now, subject=subject)
        if created:
            return ticket, True, False
    was = ticket.status
    if was != "open":
        actions.update_ticket(s, shop=shop, ticket=ticket, changes={"status": "open"}, staff=None, now=now)
    return ticket, False, was not in OPEN_STATUSES


def _verified(incoming: Incoming, order: Order | None) -> bool | None:
    """Whether the message is proven to come from its sender: the mail provider's verdict, or, on the
    contact form, Shopify's signed logged-in customer being the order's."""
    if order is not None and incoming.customer_id is not None and order.customer_id == incoming.customer_id \
            and incoming.sender == (order.email or "").lower():  # the account, and the address they typed
        return True
    return incoming.sender_verified


def _buyer_takes_over(s: Session, shop: Shop, ticket: Ticket, incoming: Incoming, order: Order | None,
                      now: datetime) -> None:
    """The order's own address writes on the order's ticket that someone else opened (anyone can name
    an order number): from now on the ticket is the buyer's, and replies go to them, not the other."""
    if order is None or ticket.order_shopify_id != order.shopify_id or not ticket.customer_email:
        return
    buyer = (order.email or "").lower()
    if not buyer or incoming.sender != buyer or ticket.customer_email.lower() == buyer:
        return
    before = ticket.customer_email
    ticket.customer_email, ticket.customer_name = incoming.sender, incoming.sender_name or order.customer_name
    # the stranger's subject and language go too: replies would carry their words to the buyer
    ticket.title, ticket.locale = incoming.subject[:200] or None, thread.guess_locale(incoming, order)
    add_system_line(s, shop=shop, ticket_id=ticket.id, now=now,
                    body=f"The order's own address {buyer} wrote: replies now go to it, not to {before}, who "
                         "opened this ticket naming the order.")


def _fill_in(ticket: Ticket, incoming: Incoming, order: Order | None) -> None:
    """What the ticket does not know yet about who is writing and in which language."""
    ticket.customer_email = ticket.customer_email or incoming.sender
    ticket.customer_name = ticket.customer_name or (incoming.sender_name or None)
    ticket.title = ticket.title or (incoming.subject[:200] or None)
    ticket.locale = ticket.locale or thread.guess_locale(incoming, order)


def _notes(s: Session, shop: Shop, ticket: Ticket, entry: TicketEntry, incoming: Incoming,
           stranger_to: Order | None, now: datetime) -> None:
    for attachment in incoming.attachments:
        s.add(TicketAttachment(shop_id=shop.id, entry_id=entry.id, filename=attachment.filename,
                               content_type=attachment.content_type, size=len(attachment.data),
                               data=attachment.data, created_at=now))
    if incoming.refused:
        add_system_line(s, shop=shop, ticket_id=ticket.id, now=now,
                        body=f"Files not kept from the customer's message: {'; '.join(incoming.refused)}"[:2000])
    if stranger_to is not None:
        add_system_line(s, shop=shop, ticket_id=ticket.id, now=now,
                        body=f"The message names order {stranger_to.name}, but {incoming.sender} is not the order's "
                             "email: check who you are talking to before sharing order details.")
    if entry.sender_verified is False:
        add_system_line(s, shop=shop, ticket_id=ticket.id, now=now,
                        body=f"This message may not come from {incoming.sender}: the mail provider's DMARC check "
                             "failed for its domain, or the mail names more than one sender. No acknowledgement "
                             "was sent, and it cannot trigger an automatic refund.")
    if incoming.auto_reply:
        add_system_line(s, shop=shop, ticket_id=ticket.id, now=now,
                        body="This message is an automatic reply (e.g. out of office): it sends no acknowledgement, "
                             "does not change the ticket's status or deadlines and does not count as the customer "
                             "writing.")
