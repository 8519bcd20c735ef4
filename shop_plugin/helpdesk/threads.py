"""Finding the conversation a customer message belongs to. Every lookup is scoped by shop."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shop_plugin.helpdesk.models import OPEN_STATUSES, Ticket, TicketEntry
from shop_plugin.notify.notices import notice_of
from shop_plugin.orders.models import Order
from shop_plugin.orders.service import get_order
from shop_plugin.promises.text import language, order_language
from shop_plugin.shops.models import Shop

# "#1001", "order 1001", "order no. 1001", "주문번호 1001", "pesanan #1001"
ORDER_REF = re.compile(r"(?:#|\b(?:order|pesanan)\s*(?:no\.?|number|nomor|#)?\s*:?\s*#?|주문\s*번호\s*:?\s*#?)"
                       r"\s?([A-Za-z]{0,6}\d{3,12}[A-Za-z]{0,6})\b", re.IGNORECASE)
MAX_SCANNED = 5000  # characters of the body searched for order names
HANGUL = re.compile(r"[\uac00-\ud7a3]")
INDONESIAN = re.compile(r"\b(saya|pesanan|belum|tidak|terima kasih|sudah|barang|tolong|mohon)\b", re.IGNORECASE)


def customer_subject(email: str) -> str:
    """The ticket subject for a customer's own conversation; hashed to fit, whatever the address length."""
    return f"customer:{hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]}"


def by_message_ids(s: Session, *, shop: Shop, ids) -> Ticket | None:
    """The ticket of the first of `ids` (In-Reply-To, then References newest first) this shop sent or received."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    if not wanted:
        return None
    found = dict(s.execute(select(TicketEntry.message_id, TicketEntry.ticket_id).where(
        TicketEntry.shop_id == shop.id, TicketEntry.message_id.in_(wanted))).all())
    for message_id in wanted:
        if message_id in found:
            return s.get(Ticket, found[message_id])
    return None


def by_notice(s: Session, *, shop: Shop, ids, sender: str) -> Ticket | None:
    """The ticket of the first of `ids` that is a delay notice this shop sent to `sender`: the open ticket of
    the notice's order and reason, else the latest one (to reopen). The sender must be the order's address,
    where the notice went: notice Message-IDs are counted, so anyone could name another order's."""
    for message_id in dict.fromkeys(ids):
        notice = notice_of(s, shop=shop, message_id=message_id)
        if notice is None:
            continue
        order = get_order(s, shop=shop, shopify_id=notice.order_shopify_id)
        if order is None or not order.email or order.email.lower() != sender:
            return None
        subject = f"order:{notice.order_shopify_id}"
        return open_ticket(s, shop=shop, subject=subject, reason=notice.reason) or s.scalars(
            select(Ticket).where(Ticket.shop_id == shop.id, Ticket.subject == subject, Ticket.reason == notice.reason)
            .order_by(Ticket.id.desc()).limit(1)).one_or_none()
    return None


def open_ticket(s: Session, *, shop: Shop, subject: str, reason: str) -> Ticket | None:
    return s.scalars(select(Ticket).where(Ticket.shop_id == shop.id, Ticket.subject == subject,
                                          Ticket.reason == reason, Ticket.status.in_(OPEN_STATUSES))
                     .with_for_update()).one_or_none()


def open_twin(s: Session, *, shop: Shop, ticket: Ticket) -> Ticket | None:
    """The open ticket for the same subject and reason as this finished one, if there is one."""
    return open_ticket(s, shop=shop, subject=ticket.subject, reason=ticket.reason)


def senders_open_ticket(s: Session, *, shop: Shop, sender: str) -> Ticket | None:
    """The sender's most recently active open inquiry, whatever it is about."""
    return s.scalars(select(Ticket).where(
        Ticket.shop_id == shop.id, Ticket.reason == "inquiry", Ticket.status.in_(OPEN_STATUSES),
        or_(Ticket.subject == customer_subject(sender), Ticket.customer_email == sender))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(1).with_for_update()).one_or_none()


def order_names(*texts: str | None) -> list[str]:
    """Order names a customer may have written, in order of appearance, with and without '#'."""
    names: list[str] = []
    for text in texts:
        for ref in ORDER_REF.findall((text or "")[:MAX_SCANNED]):
            names += [f"#{ref}", ref]
    return list(dict.fromkeys(names))


def order_named(s: Session, *, shop: Shop, incoming) -> Order | None:
    """The shop's order the message names (the form field first, then subject, then body);
    among several, the one whose email is the sender's."""
    typed = (incoming.order_number or "").strip().lstrip("#")
    names = list(dict.fromkeys(([f"#{typed}", typed] if typed else []) +
                               order_names(incoming.subject, incoming.body)))
    if not names:
        return None
    orders = s.scalars(select(Order).where(Order.shop_id == shop.id, Order.name.in_(names[:40]))).all()
    if not orders:
        return None
    rank = {name: i for i, name in enumerate(names)}
    return min(orders, key=lambda o: ((o.email or "").lower() != incoming.sender, rank.get(o.name, len(rank))))


def guess_locale(incoming, order: Order | None) -> str | None:
    """The customer's language: what the mail or form said, else the order's, else the script they wrote in."""
    if incoming.locale:
        return language(incoming.locale)
    if (ordered_in := order_language(order)) is not None:
        return ordered_in
    text = f"{incoming.subject}\n{incoming.body}"[:MAX_SCANNED]
    if HANGUL.search(text):
        return "ko"
    if len(INDONESIAN.findall(text)) >= 2:
        return "id"
    return None
