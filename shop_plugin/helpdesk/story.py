"""A ticket with everything needed to answer it: the conversation, the order's story (what was
promised and what happened since), the customer's other orders and tickets, the pending refund
prompt and the customer's rating. The JSON API and the admin ticket page show the same document."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shop_plugin.db import iso, utcnow
from shop_plugin.helpdesk import serialize, service
from shop_plugin.helpdesk.models import Ticket
from shop_plugin.orders.models import Dispute, Order, Refund
from shop_plugin.orders.serialize import money_str
from shop_plugin.orders.service import events_for, fulfillments_for, get_order
from shop_plugin.promises import service as promises
from shop_plugin.refunds.models import RefundPrompt
from shop_plugin.shops.models import Shop

MAX_OTHERS = 20
# The story's order when two things happen at the same moment (a dispute raises its refund prompt).
TIMELINE_KINDS = ("placed", "promise", "fulfillment", "carrier_event", "notice", "dispute", "refund_prompt", "refund")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def for_ticket(s: Session, *, shop: Shop, ticket: Ticket, now: datetime | None = None) -> dict:
    """The ticket document of GET /api/tickets/<id>: the ticket's fields plus messages, timeline
    (oldest first), customer, refund_prompt and csat."""
    now = now or utcnow()
    order = get_order(s, shop=shop, shopify_id=ticket.order_shopify_id) if ticket.order_shopify_id else None
    doc = serialize.tickets_json(s, shop=shop, tickets=[ticket], now=now)[0]
    doc["messages"] = serialize.messages_json(s, shop=shop, entries=service.entries(s, shop=shop,
                                                                                    ticket_id=ticket.id))
    doc["timeline"] = timeline(s, shop=shop, ticket=ticket, order=order)
    doc["customer"] = customer(s, shop=shop, ticket=ticket, order=order)
    doc["refund_prompt"] = _pending_prompt(s, shop, order)
    doc["csat"] = ({"rating": ticket.csat_rating, "comment": ticket.csat_comment, "at": iso(ticket.csat_at)}
                   if ticket.csat_rating is not None else None)
    return doc


def _item(at: datetime | None, kind: str, label: str, **details) -> tuple[datetime | None, dict]:
    return at, {"at": iso(at), "kind": kind, "label": label, "details": details}


def timeline(s: Session, *, shop: Shop, ticket: Ticket, order: Order | None) -> list[dict]:
    """The order's story oldest first; events without a time come last, in the order found."""
    items = _order_items(s, shop, order) if order is not None else []
    items += [_dispute_item(d) for d in _disputes(s, shop, ticket)]
    items.sort(key=lambda item: (item[0] is None, item[0] or EPOCH, TIMELINE_KINDS.index(item[1]["kind"])))
    return [doc for _, doc in items]


def _order_items(s: Session, shop: Shop, order: Order) -> list[tuple[datetime | None, dict]]:
    from shop_plugin.notify.models import Notice

    items = [_item(order.created_at, "placed", f"Order {order.name or order.shopify_id} placed",
                   total=money_str(order.total_price, order.currency), currency=order.currency)]
    promise = promises.get(s, shop=shop, order_shopify_id=order.shopify_id)
    if promise is not None:
        window = f"ship by {promise.ship_by}" + (f", delivery {promise.deliver_from} to {promise.deliver_to}"
                                                 if promise.deliver_to else "")
        items.append(_item(promise.computed_at, "promise", f"Promise shown: {window}",
                           ship_by=str(promise.ship_by), deliver_from=_day(promise.deliver_from),
                           deliver_to=_day(promise.deliver_to), text=promise.text))
    for f in fulfillments_for(s, shop=shop, order_shopify_id=order.shopify_id):
        tracking = ", ".join(f.tracking_numbers or ([f.tracking_number] if f.tracking_number else []))
        items.append(_item(f.created_at, "fulfillment",
                           f"Shipped with {f.tracking_company or 'an unnamed carrier'}"
                           + (f" (tracking {tracking})" if tracking else ""),
                           fulfillment_id=f.shopify_id, status=f.status, carrier=f.tracking_company,
                           tracking_numbers=list(f.tracking_numbers or []), tracking_urls=list(f.tracking_urls or [])))
    for e in events_for(s, shop=shop, order_shopify_id=order.shopify_id):
        place = ", ".join(p for p in (e.city, e.province, e.country) if p)
        items.append(_item(e.happened_at, "carrier_event",
                           f"Carrier: {(e.status or 'update').replace('_', ' ')}" + (f" in {place}" if place else ""),
                           fulfillment_id=e.fulfillment_shopify_id, status=e.status, message=e.message,
                           place=place or None, estimated_delivery_at=iso(e.estimated_delivery_at)))
    for n in s.scalars(select(Notice).where(Notice.shop_id == shop.id, Notice.order_shopify_id == order.shopify_id)
                       .order_by(Notice.id)):
        items.append(_item(n.sent_at or n.created_at, "notice",
                           f"Delay notice ({n.reason.replace('_', ' ')}) {n.status}",
                           reason=n.reason, status=n.status, locale=n.locale, detail=n.detail))
    for r in s.scalars(select(Refund).where(Refund.shop_id == shop.id, Refund.order_shopify_id == order.shopify_id)
                       .order_by(Refund.id)):
        amount = money_str(r.amount, r.currency)
        items.append(_item(r.created_at, "refund", f"Refunded {amount} {r.currency or ''}".strip(),
                           refund_id=r.shopify_id, amount=amount, currency=r.currency, note=r.note))
    for p in s.scalars(select(RefundPrompt).where(RefundPrompt.shop_id == shop.id,
                                                  RefundPrompt.order_shopify_id == order.shopify_id)
                       .order_by(RefundPrompt.id)):
        items.append(_item(p.created_at, "refund_prompt",
                           f"Refund prompt ({p.trigger.replace('_', ' ')}): "
                           f"{p.recommended.replace('_', ' ')}, {p.status}",
                           prompt_id=p.id, trigger=p.trigger, recommended=p.recommended,
                           amount=money_str(p.amount, p.currency), status=p.status))
    return items


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _disputes(s: Session, shop: Shop, ticket: Ticket) -> list[Dispute]:
    about = []
    if ticket.order_shopify_id is not None:
        about.append(Dispute.order_shopify_id == ticket.order_shopify_id)
    kind, _, ref = ticket.subject.partition(":")
    if kind == "dispute" and ref.isdigit():
        about.append(Dispute.shopify_id == int(ref))
    if not about:
        return []
    return list(s.scalars(select(Dispute).where(Dispute.shop_id == shop.id, or_(*about)).order_by(Dispute.id)))


def _dispute_item(d: Dispute) -> tuple[datetime | None, dict]:
    amount = money_str(d.amount, d.currency)
    label = f"{(d.type or 'dispute').capitalize()} opened" + (f": {d.reason.replace('_', ' ')}" if d.reason else "")
    return _item(d.initiated_at, "dispute", label, dispute_id=d.shopify_id, type=d.type, reason=d.reason,
                 status=d.status, amount=amount, currency=d.currency, evidence_due_by=iso(d.evidence_due_by),
                 finalized_on=iso(d.finalized_on))


def _order_status(order: Order) -> str:
    """cancelled, else Shopify's fulfilment status (unfulfilled until the first shipment)."""
    return "cancelled" if order.cancelled_at else (order.fulfillment_status or "unfulfilled")


def customer(s: Session, *, shop: Shop, ticket: Ticket, order: Order | None) -> dict:
    """Who wrote or ordered, with their other orders and tickets (newest first, up to 20 each)."""
    email = ticket.customer_email or (order.email if order else None)
    name = ticket.customer_name or (order.customer_name if order else None)
    emails = {email, email.lower()} if email else set()
    others: list[Order] = []
    if emails:
        stmt = select(Order).where(Order.shop_id == shop.id, Order.email.in_(emails))
        if ticket.order_shopify_id:
            stmt = stmt.where(Order.shopify_id != ticket.order_shopify_id)
        others = list(s.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(MAX_OTHERS)))
    order_ids = [o.shopify_id for o in others] + ([ticket.order_shopify_id] if ticket.order_shopify_id else [])
    about = [Ticket.order_shopify_id.in_(order_ids)] if order_ids else []
    if emails:
        about.append(Ticket.customer_email.in_(emails))
    tickets = list(s.scalars(select(Ticket).where(Ticket.shop_id == shop.id, Ticket.id != ticket.id, or_(*about))
                             .order_by(Ticket.id.desc()).limit(MAX_OTHERS))) if about else []
    return {
        "email": email, "name": name,
        "other_orders": [{"id": o.shopify_id, "name": o.name, "created_at": iso(o.created_at),
                          "status": _order_status(o)} for o in others],
        "other_tickets": [{"id": t.id, "reason": t.reason, "status": t.status, "created_at": iso(t.created_at)}
                          for t in tickets],
    }


def _pending_prompt(s: Session, shop: Shop, order: Order | None) -> dict | None:
    """The order's pending refund prompt, shaped as in GET /api/refund-prompts."""
    from shop_plugin.refunds.serialize import prompt_json

    if order is None:
        return None
    prompt = s.scalars(select(RefundPrompt).where(RefundPrompt.shop_id == shop.id, RefundPrompt.status == "pending",
                                                  RefundPrompt.order_shopify_id == order.shopify_id)).first()
    return prompt_json(prompt, {order.shopify_id: order.name}) if prompt else None
