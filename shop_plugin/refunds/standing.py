"""Whether a refund prompt still stands. A chargeback that is open, lost or accepted has taken the money
back already (or is taking it): a refund can no longer avoid it and would pay the customer twice. A prompt
that no longer stands is set aside: dismissed with the system's reason, noted on the order's open tickets."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from shop_plugin.helpdesk import service as tickets
from shop_plugin.orders.models import Dispute
from shop_plugin.refunds.models import RefundPrompt
from shop_plugin.shops.models import Shop

SETTLED = ("won", "charge_refunded")  # a chargeback in any other state holds the order's money
DECIDED = ("lost", "accepted")
SET_ASIDE = "Set aside by ShipPromise: {reason}."


def blocking_chargeback(s: Session, *, shop: Shop, order_id: int) -> Dispute | None:
    """The order's chargeback a refund can no longer avoid (open, lost or accepted), if any."""
    return s.scalars(select(Dispute).where(
        Dispute.shop_id == shop.id, Dispute.order_shopify_id == order_id, Dispute.type == "chargeback",
        or_(Dispute.status.is_(None), Dispute.status.not_in(SETTLED))).order_by(Dispute.id).limit(1)).first()


def refund_blocked(dispute_id: int, status: str | None) -> str:
    """Why no refund, in the merchant's words."""
    if status in DECIDED:
        return (f"chargeback {dispute_id} is {status}: the bank has given the customer the money back, "
                "so a refund would pay them twice")
    return (f"chargeback {dispute_id} is open ({status or 'needs_response'}): a refund can no longer avoid it "
            "(the funds are already withdrawn) and could pay the customer twice; answer it with the evidence "
            "pack or accept it")


def pending_prompt(s: Session, *, shop: Shop, order_id: int) -> RefundPrompt | None:
    """The order's pending prompt; there is at most one (refunds.service raises one question at a time)."""
    return s.scalars(select(RefundPrompt).where(
        RefundPrompt.shop_id == shop.id, RefundPrompt.order_shopify_id == order_id,
        RefundPrompt.status == "pending")).first()


def set_aside(s: Session, *, shop: Shop, order_id: int, reason: str, now: datetime,
              triggers: Collection[str] | None = None, keep_withheld: bool = False) -> int | None:
    """Dismiss the order's pending prompt (there is at most one) with the system's reason; only one of
    `triggers` if given; not one that recommends no refund for this very reason if `keep_withheld`."""
    prompt = pending_prompt(s, shop=shop, order_id=order_id)
    if prompt is None or (triggers is not None and prompt.trigger not in triggers) or (
            keep_withheld and "refund_blocked" in (prompt.rationale or {})):
        return None
    result = s.execute(update(RefundPrompt).where(RefundPrompt.id == prompt.id, RefundPrompt.status == "pending")
                       .values(status="dismissed", note=SET_ASIDE.format(reason=reason)[:1000], decided_at=now))
    if result.rowcount != 1:
        return None
    tickets.note_open_tickets(s, shop=shop, order_id=order_id, now=now, body=(
        f"Refund prompt #{prompt.id} ({prompt.trigger.replace('_', ' ')}) set aside: {reason}."))
    return prompt.id
