"""Chargeback intent in customer messages: a refund prompt before the bank is called.

Two signals, each a refund-prompt trigger (raised once per order, never beside another pending prompt):
`customer_intent`, a message naming a refund, a missing parcel, the bank, a dispute or a PayPal claim
(in en, ko or id, after NFKC normalisation and case folding), and `repeated_contact`, a third
inbound message about the order within seven days. Only messages from the order's own email address
count: an order number is easy to guess, and a stranger's words must not refund someone else's order.
Automatic replies (out of office, kept on a ticket with source "auto_reply") are nobody's words: they
never count.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from shop_plugin.helpdesk.models import AUTO_REPLY, NOT_AUTOMATIC, Ticket, TicketEntry
from shop_plugin.orders.service import get_order
from shop_plugin.promises import service as promises
from shop_plugin.refunds import service as refunds
from shop_plugin.shops.models import Shop

# (language, phrase). Latin phrases match whole words; Korean ones match inside words, since
# particles and endings attach to them (환불해 주세요, 못 받았어요). A space matches any spacing.
PHRASES = (
    ("en", "not received"), ("en", "never received"), ("en", "never arrived"), ("en", "refund"),
    ("en", "chargeback"), ("en", "charge back"), ("en", "dispute"), ("en", "bank"), ("en", "paypal claim"),
    ("ko", "환불"), ("ko", "배송 안 됨"), ("ko", "못 받았"), ("ko", "카드사"), ("ko", "차지백"), ("ko", "분쟁"),
    ("id", "pengembalian dana"), ("id", "belum sampai"), ("id", "belum diterima"), ("id", "bank"),
    ("id", "sengketa"), ("id", "chargeback"),
)
REPEATED = 3
WINDOW = timedelta(days=7)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _pattern(phrase: str) -> str:
    words = [re.escape(w) for w in _normal(phrase).split()]
    if phrase.isascii():
        return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"
    return r"\s*".join(words)


INTENT = re.compile("|".join(_pattern(p) for p in dict.fromkeys(p for _, p in PHRASES)))


def shows_intent(text: str) -> bool:
    """Whether the message speaks of a refund, a missing parcel, the bank or a dispute."""
    return INTENT.search(_normal(text or "")) is not None


def recent_inbound(s: Session, *, shop: Shop, order_id: int, entry: TicketEntry, now: datetime) -> tuple[int, int]:
    """Inbound messages on the order's tickets in the last seven days, this one included: all of them,
    and those proven to come from this message's sender (the order's own address), in one query."""
    s.flush()  # the entry gets its id, so it is counted once whether or not it was flushed before
    proven = and_(TicketEntry.sender_verified.is_(True),
                  func.lower(TicketEntry.email_from) == (entry.email_from or "").lower())
    others, proven_others = s.execute(
        select(func.count(), func.coalesce(func.sum(case((proven, 1), else_=0)), 0))
        .select_from(TicketEntry).join(Ticket, Ticket.id == TicketEntry.ticket_id)
        .where(Ticket.shop_id == shop.id, Ticket.order_shopify_id == order_id,
               TicketEntry.shop_id == shop.id, TicketEntry.kind == "inbound",
               NOT_AUTOMATIC,
               TicketEntry.created_at >= now - WINDOW, TicketEntry.created_at <= now,
               TicketEntry.id != (entry.id or 0))).one()
    this_proven = 1 if entry.sender_verified is True else 0
    return others + 1, proven_others + this_proven


def on_customer_message(s: Session, *, shop: Shop, ticket: Ticket, entry: TicketEntry, now: datetime) -> None:
    """Called once for every inbound customer message stored on a ticket."""
    if entry.kind != "inbound" or entry.source == AUTO_REPLY or ticket.order_shopify_id is None:
        return
    order = get_order(s, shop=shop, shopify_id=ticket.order_shopify_id)
    if order is None or not order.email or (entry.email_from or "").lower() != order.email.lower():
        return  # only the buyer's own address speaks for the order: anyone can type an order number
    recent, proven_recent = recent_inbound(s, shop=shop, order_id=order.shopify_id, entry=entry, now=now)
    triggers = (["customer_intent"] if shows_intent(entry.body) else []) + (
        ["repeated_contact"] if recent >= REPEATED else [])
    if not triggers:
        return
    settings, _ = promises.get_settings(s, shop=shop)
    for trigger in triggers:
        if refunds.raise_prompt(s, shop=shop, order=order, trigger=trigger, settings=settings, now=now,
                                automatic=_proven(entry, trigger, proven_recent)) is not None:
            return


def _proven(entry: TicketEntry, trigger: str, proven_recent: int) -> bool:
    """Whether the merchant's automatic-refund rule may act: anyone can write with the buyer's address,
    so only messages whose sender is proven count (for repeated contact, all the messages counted)."""
    return entry.sender_verified is True and (trigger != "repeated_contact" or proven_recent >= REPEATED)
