"""Replies to customers by email, threaded so their mail client shows one conversation and their
answer finds its way back to the same ticket (Reply-To: the shop's inbound address)."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.helpdesk import phrases
from shop_plugin.helpdesk.models import Ticket, TicketEntry
from shop_plugin.notify import mailer
from shop_plugin.orders.models import Order
from shop_plugin.shops.models import Shop


def thread_ids(s, *, shop: Shop, ticket_id: int, before_id: int) -> list[str]:
    """Message-IDs of the conversation so far, oldest first (the References header)."""
    return [m for m in s.scalars(select(TicketEntry.message_id).where(
        TicketEntry.shop_id == shop.id, TicketEntry.ticket_id == ticket_id, TicketEntry.id < before_id,
        TicketEntry.kind.in_(("inbound", "reply")), TicketEntry.message_id.is_not(None)).order_by(TicketEntry.id))]


def subject_for(s, *, shop: Shop, ticket: Ticket) -> str:
    if ticket.title:
        return ticket.title if ticket.title.lower().startswith("re:") else f"Re: {ticket.title}"
    order = s.execute(select(Order.name, Order.customer_locale).where(
        Order.shop_id == shop.id, Order.shopify_id == ticket.order_shopify_id)).first() \
        if ticket.order_shopify_id else None
    name = order.name if order else None
    # the customer's language, like the rest of the mail: a ticket ShipPromise opened (a delay, a dispute)
    # may have none of its own, and then the order's is theirs
    words = phrases.words(ticket.locale or (order.customer_locale if order else None))
    return words["reply_subject_order"].replace("{name}", name) if name else words["reply_subject"]


def compose(shop: Shop, entry: TicketEntry, ticket: Ticket, store_name: str, reply_to: str | None) -> EmailMessage:
    s = session()
    message = EmailMessage()
    message["Subject"] = subject_for(s, shop=shop, ticket=ticket)
    message["From"] = formataddr((store_name, current_app.config["MAIL_FROM"]))
    message["To"] = entry.email_to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Message-ID"] = entry.message_id
    references = thread_ids(s, shop=shop, ticket_id=ticket.id, before_id=entry.id)
    if entry.in_reply_to:
        message["In-Reply-To"] = entry.in_reply_to
    if references:
        message["References"] = " ".join(references[-20:])
    message["Auto-Submitted"] = "no"  # a person wrote it
    message.set_content(entry.body)
    return message


def send(shop: Shop, payload: dict) -> dict:
    """Effect executor: email one reply. A reply already sent is not sent again."""
    from shop_plugin.promises import service as promises

    s = session()
    entry = s.scalars(select(TicketEntry).where(TicketEntry.shop_id == shop.id,
                                                TicketEntry.id == payload["entry_id"])).one()
    if entry.delivery_status == "sent":
        return {"message_id": entry.message_id, "already_sent": True}
    ticket = s.get(Ticket, entry.ticket_id)
    settings, _ = promises.get_settings(s, shop=shop)
    store = mailer.store_name(shop, settings)
    reply_to = mailer.reply_address(shop, settings)
    mailer.send(compose(shop, entry, ticket, store, reply_to))
    entry.delivery_status, entry.delivery_detail = "sent", None
    return {"message_id": entry.message_id}
