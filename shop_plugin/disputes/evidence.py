"""The evidence pack a bank wants: what was promised and shown, what happened, what was said."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shop_plugin.db import iso
from shop_plugin.helpdesk.models import AUTO_REPLY, Ticket, TicketEntry
from shop_plugin.notify import notices
from shop_plugin.orders.models import Dispute, Refund
from shop_plugin.orders.serialize import money_str
from shop_plugin.orders.service import events_for, fulfillments_for, get_order
from shop_plugin.promises import service as promises
from shop_plugin.shops.models import Shop


def get_dispute(s: Session, *, shop: Shop, dispute_id: int) -> Dispute | None:
    return s.scalars(select(Dispute).where(Dispute.shop_id == shop.id, Dispute.shopify_id == dispute_id)).one_or_none()


def _messages(s: Session, shop: Shop, order_id: int | None, dispute_id: int, buyer: str | None) -> list[dict]:
    """The conversation about the order, each message marked as the customer's only when it came from
    (or went to) the order's own address: anyone can write naming an order number, and words a
    stranger wrote must not reach the bank as the cardholder's."""
    subjects = [f"dispute:{dispute_id}"] + ([f"order:{order_id}"] if order_id else [])
    about = Ticket.subject.in_(subjects) if order_id is None else or_(Ticket.subject.in_(subjects),
                                                                       Ticket.order_shopify_id == order_id)
    ticket_ids = list(s.scalars(select(Ticket.id).where(Ticket.shop_id == shop.id, about)))
    rows = s.scalars(select(TicketEntry).where(TicketEntry.shop_id == shop.id, TicketEntry.ticket_id.in_(ticket_ids),
                                               TicketEntry.kind.in_(("inbound", "reply")))
                     .order_by(TicketEntry.created_at, TicketEntry.id))
    return [_message(e, (buyer or "").lower()) for e in rows]


def _message(entry: TicketEntry, buyer: str) -> dict:
    inbound = entry.kind == "inbound"
    address = (entry.email_from if inbound else entry.email_to) or ""
    # no order email or no address: as recorded; a mail whose DMARC check failed is not the buyer's
    theirs = (not buyer or not address or address.lower() == buyer) and entry.sender_verified is not False
    direction = ("from" if inbound else "to") + (" customer" if theirs else " a third party")
    automatic = inbound and entry.source == AUTO_REPLY  # an out-of-office answer: no word the customer wrote
    return {"at": iso(entry.created_at), "direction": direction, "author": entry.author, "body": entry.body,
            **({} if theirs else {"address": address}), **({"automatic": True} if automatic else {})}


def build(s: Session, *, shop: Shop, dispute: Dispute) -> dict:
    """Everything we hold that bears on the dispute, in the order a reviewer reads it."""
    order = get_order(s, shop=shop, shopify_id=dispute.order_shopify_id) if dispute.order_shopify_id else None
    pack = {
        "dispute": {"id": dispute.shopify_id, "type": dispute.type, "reason": dispute.reason, "status": dispute.status,
                    "amount": money_str(dispute.amount, dispute.currency), "currency": dispute.currency,
                    "initiated_at": iso(dispute.initiated_at), "evidence_due_by": iso(dispute.evidence_due_by)},
        "order": None, "promise": None, "fulfillments": [], "delivery": None, "notices": [], "refunds": [],
        "messages": _messages(s, shop, dispute.order_shopify_id, dispute.shopify_id, order.email if order else None),
    }
    if order is None:
        return pack
    address = order.shipping_address or {}
    pack["order"] = {"id": order.shopify_id, "name": order.name, "placed_at": iso(order.created_at),
                     "total": money_str(order.total_price, order.currency), "currency": order.currency,
                     "customer": order.customer_name, "email": order.email,
                     "ship_to": ", ".join(str(address[k]) for k in ("address1", "city", "zip", "country")
                                          if address.get(k))}
    promise = promises.get(s, shop=shop, order_shopify_id=order.shopify_id)
    if promise is not None:
        stored = promises.promise_json(promise)
        pack["promise"] = {"shown_at": stored["computed_at"], "text": stored["text"], "locale": stored["locale"],
                           "ship_by": stored["ship_by"], "deliver_from": stored["deliver_from"],
                           "deliver_to": stored["deliver_to"], "policies_shown": stored["policies"]}
    events = events_for(s, shop=shop, order_shopify_id=order.shopify_id)
    for f in fulfillments_for(s, shop=shop, order_shopify_id=order.shopify_id):
        timeline = [{"status": e.status, "at": iso(e.happened_at), "message": e.message,
                     "place": ", ".join(p for p in (e.city, e.province, e.country) if p)}
                    for e in events if e.fulfillment_shopify_id == f.shopify_id]
        pack["fulfillments"].append({"id": f.shopify_id, "shipped_at": iso(f.created_at), "status": f.status,
                                     "carrier": f.tracking_company, "tracking_numbers": f.tracking_numbers,
                                     "tracking_urls": f.tracking_urls, "timeline": timeline})
        delivered = [t for t in timeline if t["status"] == "delivered"]
        if delivered and pack["delivery"] is None:
            pack["delivery"] = {"confirmed_at": delivered[0]["at"], "carrier": f.tracking_company,
                                "place": delivered[0]["place"]}
    pack["notices"] = notices.for_order(s, shop=shop, order_id=order.shopify_id)
    pack["refunds"] = [{"at": iso(r.created_at), "amount": money_str(r.amount, r.currency), "note": r.note}
                       for r in s.scalars(select(Refund).where(Refund.shop_id == shop.id,
                                                               Refund.order_shopify_id == order.shopify_id))]
    return pack
