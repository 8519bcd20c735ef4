"""What a delay check does about breaches it has not acted on yet, for many orders at once.

Tickets and notices (nearly all of the work) take a few statements for a whole scan page or for
the one order a webhook checks. Choice offers, refund prompts and self-resolving tickets follow
per order: they are rare, and each counts what the ones before it did (daily refund caps).
The caller holds the orders' check rows, so no one else acts on these orders meanwhile.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from shop_plugin.db import one_at_a_time
from shop_plugin.delays.rules import PROMPT_TRIGGERS, REASONS, Verdict
from shop_plugin.helpdesk import bulk_open
from shop_plugin.helpdesk import service as tickets
from shop_plugin.notify import notices
from shop_plugin.orders.models import Order
from shop_plugin.orders.service import get_order
from shop_plugin.promises.text import order_language
from shop_plugin.refunds import choices, standing
from shop_plugin.refunds import service as refunds
from shop_plugin.shops.models import Shop

SELF_RESOLVING = REASONS  # delivery ends every delay: a failed attempt, a missed date, a parcel thought lost


@dataclass(frozen=True)
class Case:
    """One order with something new: `order` is an Order or a row with its shopify_id, created_at,
    email and customer_locale; `active` what its check row says was acted on already."""

    shop: Shop
    order: object
    verdict: Verdict
    active: list[str]
    settings: dict


def act(s: Session, cases: list[Case], now: datetime) -> None:
    """Tickets and notices for new breaches; offers, refund prompts and self-resolving tickets after."""
    openings, wanted_notices, follow_ups = [], [], []
    for case in cases:
        order, new = case.order, sorted(set(case.verdict.reasons) - set(case.active))
        tells_customer = not case.shop.predates_install(order.created_at)
        for reason in new:
            note = (f"Detected {reason.replace('_', ' ')} at {now.isoformat(timespec='minutes')}: "
                    f"{case.verdict.reasons[reason]}.")
            openings.append(bulk_open.Opening(case.shop, order.shopify_id, reason, note, case.settings, ("delay",),
                                              order_language(order, case.settings)))
            if tells_customer:
                wanted_notices.append((case.shop, order, reason, case.settings))
        offers = [reason for reason in new if tells_customer and reason in choices.REASONS]
        prompted = {m.removeprefix("prompt:") for m in case.active if m.startswith("prompt:")}
        prompts = sorted(case.verdict.prompts - prompted)
        resolve = case.verdict.closed_state == "delivered" and "delivered" not in case.active
        if offers or prompts or resolve:
            follow_ups.append((case, offers, prompts, resolve))
    bulk_open.open_many(s, openings, now)
    notices.schedule_many(s, wanted_notices)
    # A refund prompt may refund automatically within a daily count per shop: one session at a time
    # counts and schedules for a shop (scan workers, webhooks); taken in shop order, so never crosswise.
    for shop_id in sorted({case.shop.id for case, _, prompts, _ in follow_ups if prompts}):
        one_at_a_time(s, refunds.REFUND_CAPS, shop_id)
    for case, offers, prompts, resolve in follow_ups:
        _follow_up(s, case, offers, prompts, resolve, now)


def _follow_up(s: Session, case: Case, offers: list[str], prompts: list[str], resolve: bool, now: datetime) -> None:
    shop, order = case.shop, case.order
    if not isinstance(order, Order) and (offers or prompts):
        order = get_order(s, shop=shop, shopify_id=order.shopify_id)
    for reason in offers:
        choices.offer(s, shop=shop, order=order, reason=reason, settings=case.settings, now=now)
    for trigger in prompts:
        refunds.raise_prompt(s, shop=shop, order=order, trigger=trigger, settings=case.settings, now=now)
    if resolve:
        # A prompt a delay raised no longer stands; one from the customer's words or a dispute still does.
        # Set aside first, so the note saying so lands on the delay tickets while they are still open.
        standing.set_aside(s, shop=shop, order_id=order.shopify_id, triggers=PROMPT_TRIGGERS, now=now,
                           reason=f"the order was delivered (seen {now.isoformat(timespec='minutes')}), "
                                  "so the delay that raised it is over")
        tickets.resolve(s, shop=shop, order_id=order.shopify_id, reasons=SELF_RESOLVING, now=now,
                        note=f"Delivered; resolved automatically at {now.isoformat(timespec='minutes')}.")
