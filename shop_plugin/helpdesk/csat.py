"""Customer satisfaction: when staff resolve a conversation, the customer gets one email with five
one-click ratings. Each link is signed (shop, ticket, rating) and lasts 30 days; a later click
within that time changes the rating.

Asked only where there was a conversation: the ticket has a customer email and at least one
message from the customer. Tickets ShipPromise opened and closed on its own (a delay that
resolved itself, a decided dispute) never ask anyone how the help was."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.helpdesk import customer_mail, phrases
from shop_plugin.helpdesk.models import Ticket, TicketEntry
from shop_plugin.helpdesk.service import add_system_line
from shop_plugin.notify import mailer
from shop_plugin.shops.models import Shop

MAX_AGE = 30 * 24 * 3600
RATINGS = range(1, 6)
MAX_COMMENT = 2000


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="csat")


def token(*, shop_id: int, ticket_id: int, rating: int) -> str:
    return _serializer().dumps({"s": shop_id, "t": ticket_id, "r": rating})


def ticket_for(s: Session, value: str) -> tuple[Ticket, int] | None:
    """(ticket, rating) of a valid, unexpired link; None for anything else."""
    try:
        data = _serializer().loads(value, max_age=MAX_AGE)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("r") not in RATINGS or not all(
            type(data.get(k)) is int for k in ("s", "t")):
        return None
    ticket = s.scalars(select(Ticket).where(Ticket.shop_id == data["s"], Ticket.id == data["t"])).one_or_none()
    return (ticket, data["r"]) if ticket is not None else None


def request(s: Session, *, shop: Shop, ticket: Ticket, now: datetime) -> TicketEntry | None:
    """Ask the customer how it went, if this ticket was a conversation with them."""
    if not ticket.customer_email or customer_mail.opted_out(s, shop=shop, email=ticket.customer_email):
        return None
    last_inbound = s.execute(select(TicketEntry.id, TicketEntry.message_id).where(
        TicketEntry.shop_id == shop.id, TicketEntry.ticket_id == ticket.id, TicketEntry.kind == "inbound")
        .order_by(TicketEntry.id.desc()).limit(1)).first()
    if last_inbound is None:
        return None
    return customer_mail.queue(s, shop=shop, ticket=ticket, kind="ticket_csat", author="Satisfaction survey",
                               body=f"Satisfaction survey emailed to {ticket.customer_email}",
                               to=ticket.customer_email, in_reply_to=last_inbound.message_id, now=now)


def rate(s: Session, *, shop: Shop, ticket: Ticket, rating: int, now: datetime) -> None:
    """Record (or change) the customer's rating, with a line on the ticket."""
    if ticket.csat_rating == rating:
        return
    line = (f"Customer rated the help {rating}/5" if ticket.csat_rating is None
            else f"Customer changed their rating from {ticket.csat_rating}/5 to {rating}/5")
    ticket.csat_rating, ticket.csat_at = rating, now
    add_system_line(s, shop=shop, ticket_id=ticket.id, body=line, now=now)


def comment(s: Session, *, shop: Shop, ticket: Ticket, text: str, now: datetime) -> str:
    """Keep the customer's comment on their rating; returns what was kept."""
    kept = text.strip()[:MAX_COMMENT]
    if kept and kept != ticket.csat_comment:
        ticket.csat_comment = kept
        add_system_line(s, shop=shop, ticket_id=ticket.id, body=f"Customer commented on their rating: {kept}", now=now)
    return kept


@customer_mail.tracked("ticket_csat")
def send(shop: Shop, payload: dict) -> dict:
    """Effect executor: the survey email, with a signed link per rating."""
    found = customer_mail.queued(shop, payload)
    if isinstance(found, dict):
        return found
    entry, ticket, settings = found
    lang = phrases.lang_of(ticket.locale)
    base = current_app.config["SHOPIFY_APP_URL"]
    context = {"lang": lang, "words": phrases.TEXT[lang], "store": mailer.store_name(shop, settings),
               "links": [(r, f"{base}/csat/{token(shop_id=shop.id, ticket_id=ticket.id, rating=r)}") for r in RATINGS]}
    message = customer_mail.envelope(shop, settings, entry, phrases.TEXT[lang]["csat_subject"],
                                     auto=mailer.AUTO_GENERATED)
    message.set_content(render_template("emails/csat_request.txt", **context))
    message.add_alternative(render_template("emails/csat_request.html", **context), subtype="html")
    mailer.send(message)
    entry.delivery_status, entry.delivery_detail = "sent", None
    return {"message_id": entry.message_id}
