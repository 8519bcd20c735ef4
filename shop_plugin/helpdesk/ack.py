"""The automatic acknowledgement: once per ticket opening, the customer hears that their message
arrived and by when a person will answer, in their language and the shop's time zone."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time, get_time_format, get_timezone_name
from jinja2 import TemplateError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop_plugin.extensions import session
from shop_plugin.helpdesk import customer_mail, phrases, sla, templating
from shop_plugin.helpdesk.models import Ticket, TicketEntry
from shop_plugin.helpdesk.replies import subject_for
from shop_plugin.notify import mailer
from shop_plugin.promises.text import babel_locale, fill
from shop_plugin.shops.models import Shop

AUTHOR = "Automatic acknowledgement"
# Merchant wording gets the ticket's template variables plus {{ reply_by }}, in the same sandbox rules.
_merchant = templating.merchant_environment()


def reply_by(ticket: Ticket, settings: dict, now: datetime) -> datetime:
    """When a person will answer: the ticket's first-response deadline while it lies ahead and
    nobody has answered yet; otherwise (a reopened ticket) the same target counted from now."""
    due = ticket.first_response_due_at
    if due is None or due <= now or ticket.first_responded_at is not None:
        due = sla.due_times(now, ticket.priority, settings)[0]
    return due


def shop_zone(settings: dict) -> ZoneInfo:
    return ZoneInfo(settings.get("support_hours", {}).get("timezone") or settings["timezone"])


def when(moment: datetime, settings: dict, locale: str | None) -> str:
    """e.g. "Tue, Nov 24, 2026 3:00 PM (Korean Time)", "2026년 11월 24일 (화) 오후 3:00 (대한민국 시간)"."""
    zone, babel = shop_zone(settings), babel_locale(locale)
    name = "UTC" if zone.key in ("UTC", "Etc/UTC") else get_timezone_name(zone, "long", locale=babel)
    return (f"{format_skeleton('yMMMEd', moment, tzinfo=zone, locale=babel)} "
            f"{format_time(moment, short_time(babel), tzinfo=zone, locale=babel)} ({name})")


def short_time(babel) -> str:
    """The locale's short time pattern, but with the day period written out where its short form is
    Latin: Babel's Korean data gives "AM 10:00", Koreans write "오전 10:00" (the wide form)."""
    pattern = get_time_format("short", locale=babel).pattern
    if babel.language == "ko" and "a" in pattern and "aaaa" not in pattern:
        pattern = pattern.replace("a", "aaaa", 1)
    return pattern


def text(s: Session, *, shop: Shop, ticket: Ticket, settings: dict, due: str, proven: bool = True) -> str:
    """The acknowledgement's text: the merchant's wording for this language if set, else ours.
    Unless `proven` (see `may_echo`), nothing the sender wrote goes into it, neither the name they
    gave nor their subject: anyone can type someone else's address into the contact form, and the
    store's automatic answer must not carry their words to that person."""
    lang = phrases.lang_of(ticket.locale)
    custom = (settings.get("auto_ack") or {}).get("texts", {}).get(lang)
    if custom:
        context = templating.context(s, shop=shop, ticket=ticket)
        if not proven:
            context["customer"]["name"], context["ticket"]["title"] = "", ""
        try:
            return _merchant.from_string(custom).render(**context, reply_by=due).strip()
        except TemplateError:
            pass
    words = phrases.TEXT[lang]
    name = ticket.customer_name if proven else None
    values = {"name": name or "", "store": mailer.store_name(shop, settings), "reply_by": due}
    hello = fill(words["hello_name"] if name else words["hello"], values)
    return "\n\n".join([hello, fill(words["ack_body"], values), words["ack_more"], values["store"]])


def may_echo(source: str | None, sender_verified: bool | None) -> bool:
    """Whether automatic mail may repeat what the sender wrote (the name they gave, their subject): a
    verified sender, or an email the provider did not fail (forging one takes a domain without DMARC,
    and the per-mailbox cap below holds it); never an unverified contact form, where anyone types any
    address."""
    return sender_verified is True or (source == "email" and sender_verified is None)


# An unverified From:, or an address typed into the contact form, may be someone else's: a sender could
# make the shop's desk answer that address again and again (one ticket per order named). A person who
# writes this often has had their answer already. Counted per mailbox: kim+1@ and kim+2@ are kim@.
MAX_PER_ADDRESS_PER_DAY = 3


def mailbox(address: str) -> str:
    local, _, domain = address.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _acknowledged_today(s: Session, *, shop: Shop, to: str, now: datetime) -> int:
    box = mailbox(to)
    local, _, domain = box.rpartition("@")
    sent = s.scalars(select(TicketEntry.email_to).where(
        TicketEntry.shop_id == shop.id, TicketEntry.kind == "system", TicketEntry.author == AUTHOR,
        func.lower(TicketEntry.email_to).startswith(local, autoescape=True),
        func.lower(TicketEntry.email_to).endswith("@" + domain, autoescape=True),
        TicketEntry.created_at > now - timedelta(days=1)))
    return sum(1 for address in sent if address and mailbox(address) == box)


def schedule(s: Session, *, shop: Shop, ticket: Ticket, entry: TicketEntry, settings: dict,
             now: datetime) -> TicketEntry | None:
    """Queue the acknowledgement of `entry`, the message that opened or reopened `ticket`, unless the
    shop turned it off or the customer opted out of mail."""
    if not (settings.get("auto_ack") or {}).get("enabled", True) or not ticket.customer_email:
        return None
    if customer_mail.opted_out(s, shop=shop, email=ticket.customer_email):
        return None
    if _acknowledged_today(s, shop=shop, to=ticket.customer_email, now=now) >= MAX_PER_ADDRESS_PER_DAY:
        return None  # the messages are kept; only the automatic answers stop
    due = when(reply_by(ticket, settings, now), settings, ticket.locale)
    echo = may_echo(entry.source, entry.sender_verified)
    body = text(s, shop=shop, ticket=ticket, settings=settings, due=due, proven=echo)
    return customer_mail.queue(s, shop=shop, ticket=ticket, kind="ticket_ack", author=AUTHOR, body=body,
                               to=ticket.customer_email, in_reply_to=entry.message_id, now=now,
                               extra={"echo": echo})  # whether send may answer "Re: <their subject>"


@customer_mail.tracked("ticket_ack")
def send(shop: Shop, payload: dict) -> dict:
    """Effect executor: email the acknowledgement as recorded on its entry, once."""
    found = customer_mail.queued(shop, payload)
    if isinstance(found, dict):
        return found
    entry, ticket, settings = found
    echo = payload.get("echo", False) and entry.in_reply_to  # queued before "echo" existed: the plain subject
    subject = subject_for(session(), shop=shop, ticket=ticket) if ticket.title and echo \
        else phrases.words(ticket.locale)["ack_subject"]
    message = customer_mail.envelope(shop, settings, entry, subject)
    message.set_content(entry.body)
    mailer.send(message)
    entry.delivery_status, entry.delivery_detail = "sent", None
    return {"message_id": entry.message_id}
