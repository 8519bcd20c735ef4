"""Disputes become the most urgent tickets, closed with a note when the dispute is decided."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.db import parse_time
from shop_plugin.helpdesk import service as tickets
from shop_plugin.orders.models import Fulfillment
from shop_plugin.orders.service import get_order
from shop_plugin.promises import service as promises
from shop_plugin.promises.text import order_language
from shop_plugin.refunds import service as refunds
from shop_plugin.refunds import standing
from shop_plugin.shops.models import Shop

FINAL = ("won", "lost", "accepted", "charge_refunded")


def on_dispute(s: Session, *, shop: Shop, payload: dict, now: datetime) -> None:
    """disputes/create|update: open or update the dispute's ticket, prompt a refund when it helps."""
    settings, _ = promises.get_settings(s, shop=shop)
    reason = "inquiry" if payload.get("type") == "inquiry" else "dispute"
    order_id = payload.get("order_id")
    subject = f"dispute:{payload['id']}"
    status = payload.get("status") or "needs_response"
    detail = (f"{reason.title()} {payload['id']} ({payload.get('reason') or 'no reason given'}) for "
              f"{payload.get('amount')} {payload.get('currency')}: {status}; evidence due "
              f"{payload.get('evidence_due_by') or 'n/a'}.")
    if reason == "dispute" and order_id and status not in standing.SETTLED:
        # The bank has the money back (or is taking it): a refund would pay twice. Set aside before the
        # ticket closes, so the note reaches it; one raised under this chargeback stays while it is open.
        standing.set_aside(s, shop=shop, order_id=int(order_id), reason=standing.refund_blocked(payload["id"], status),
                           now=now, keep_withheld=status not in FINAL)
    if status in FINAL:
        tickets.close(s, shop=shop, subject=subject, note=f"{detail} Closed: the dispute is {status}.", now=now)
        return
    order = get_order(s, shop=shop, shopify_id=int(order_id)) if order_id else None
    tickets.open_or_update(s, shop=shop, order_id=order_id, reason=reason, note=detail, settings=settings, now=now,
                           subject=subject, tags=("dispute",), resolution_due_at=parse_time(payload.get(
                               "evidence_due_by")), locale=order_language(order, settings))
    if order is None:
        return
    never_fulfilled = s.scalar(select(Fulfillment.id).where(
        Fulfillment.shop_id == shop.id, Fulfillment.order_shopify_id == order.shopify_id)) is None
    if reason == "inquiry":
        refunds.raise_prompt(s, shop=shop, order=order, trigger="inquiry", settings=settings, now=now)
    elif never_fulfilled:
        refunds.raise_prompt(s, shop=shop, order=order, trigger="chargeback_unfulfilled", settings=settings, now=now)

