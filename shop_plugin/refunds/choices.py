"""A late order's customer chooses: keep waiting with a discount code, or a refund now (merchant switch).

Offered once per order when it is past its promise or likely lost, by an email with signed links.
Opening a link only shows a confirmation (mail scanners open links); the POST takes the offer with a
conditional update, so of any number of clicks exactly one wins. What the choice calls for runs in
the effects outbox: the discount code is stored before Shopify is asked, and a refund goes through
the refund prompt's idempotent accept, within the merchant's caps; over them it waits for the merchant.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore
from shop_plugin.effects import service as effects
from shop_plugin.effects.models import Effect
from shop_plugin.helpdesk import service as tickets
from shop_plugin.orders.models import Order
from shop_plugin.orders.serialize import money_str
from shop_plugin.orders.service import get_order
from shop_plugin.promises import service as promises
from shop_plugin.promises.text import language
from shop_plugin.refunds import choice_links, cost
from shop_plugin.refunds import service as refunds
from shop_plugin.refunds.choice_settings import rules_of
from shop_plugin.refunds.choice_wording import LANGUAGES
from shop_plugin.refunds.models import CustomerChoice, RefundPrompt
from shop_plugin.shops.models import Shop

REASONS = ("past_promise", "likely_lost")
UNREVIEWED_REFUNDS = ("automatic_refund", "choice_refund")  # effect kinds the daily cap counts
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def get(s: Session, *, shop_id: int, choice_id: int) -> CustomerChoice | None:
    return s.scalars(select(CustomerChoice).where(CustomerChoice.shop_id == shop_id, CustomerChoice.id == choice_id)
                     .execution_options(populate_existing=True)).one_or_none()


def offer(s: Session, *, shop: Shop, order: Order, reason: str, settings: dict, now: datetime) -> int | None:
    """Record the offer (once per order) and schedule its email; noted on the order's tickets."""
    rules = rules_of(settings)
    if (reason not in REASONS or not rules["enabled"] or not order.email or order.total_price is None
            or order.financial_status in ("refunded", "voided")):
        return None
    lang = language(order.customer_locale, settings)
    expires = now + timedelta(days=rules["expires_days"])
    choice_id = insert_ignore(s, CustomerChoice.__table__, {
        "shop_id": shop.id, "order_shopify_id": order.shopify_id, "reason": reason,
        "locale": lang if lang in LANGUAGES else "en", "nonce": secrets.token_urlsafe(24), "status": "offered",
        "offered_at": now, "expires_at": expires, "discount_percent": rules["discount_percent"],
    }, ["shop_id", "order_shopify_id"])
    if choice_id is not None:
        effects.schedule(s, shop=shop, kind="customer_choice_offer", key=str(choice_id),
                         payload={"choice_id": choice_id})
        tickets.note_open_tickets(s, shop=shop, order_id=order.shopify_id, now=now, body=(
            f"Offered the customer a choice ({reason.replace('_', ' ')}): keep waiting with a "
            f"{rules['discount_percent']}% discount code, or a refund now; the links expire "
            f"{expires.isoformat(timespec='minutes')}."))
    return choice_id


@dataclass(frozen=True)
class Outcome:
    state: str  # invalid | expired | used | open | chosen
    choice: CustomerChoice | None = None
    option: str | None = None


def closed(s: Session, choice: CustomerChoice) -> bool:
    """The offer no longer stands: the shop left, or the order was delivered, cancelled or refunded."""
    from shop_plugin.delays.service import snapshot  # delays.service imports this module to make offers

    shop = s.get(Shop, choice.shop_id)
    order = get_order(s, shop=shop, shopify_id=choice.order_shopify_id) if shop else None
    if order is None or shop.uninstalled_at is not None:
        return True
    snap = snapshot(s, shop=shop, order=order)
    return snap.cancelled or snap.refunded or snap.delivered


def inspect(s: Session, *, token: str, now: datetime) -> Outcome:
    """What a link can do now; changes nothing."""
    link = choice_links.read(token)
    choice = get(s, shop_id=link.shop_id, choice_id=link.choice_id) if link else None
    if choice is None or not hmac.compare_digest(choice.nonce, link.nonce):
        return Outcome("invalid")
    if choice.chosen is not None:
        return Outcome("used", choice, choice.chosen)
    if now >= min(choice.expires_at, link.expires_at) or closed(s, choice):
        return Outcome("expired", choice, link.option)
    return Outcome("open", choice, link.option)


def choose(s: Session, *, token: str, now: datetime) -> Outcome:
    """Take the offer with the link's option, once: the first committed click wins, the rest see "used"."""
    outcome = inspect(s, token=token, now=now)
    if outcome.state != "open":
        return outcome
    choice, option = outcome.choice, outcome.option
    code = "WAIT-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10)) if option == "discount" else None
    won = s.execute(update(CustomerChoice).where(
        CustomerChoice.id == choice.id, CustomerChoice.chosen.is_(None), CustomerChoice.expires_at > now,
    ).values(chosen=option, chosen_at=now, status="chosen", discount_code=code)).rowcount == 1
    if not won:
        s.rollback()
        return inspect(s, token=token, now=now)
    shop = s.get(Shop, choice.shop_id)
    order = get_order(s, shop=shop, shopify_id=choice.order_shopify_id)
    if option == "discount":
        effects.schedule(s, shop=shop, kind="choice_discount", key=str(choice.id), payload={"choice_id": choice.id})
        tickets.note_open_tickets(s, shop=shop, order_id=order.shopify_id, now=now, body=(
            f"The customer chose to keep waiting: a single-use {choice.discount_percent}% discount code "
            f"{code} is being created."))
    else:
        _refund(s, shop, order, choice, now)
    s.commit()
    return Outcome("chosen", get(s, shop_id=shop.id, choice_id=choice.id), option)


def _refund(s: Session, shop: Shop, order: Order, choice: CustomerChoice, now: datetime) -> None:
    """Refund what is left through a refund prompt, within the caps; over them, leave it to the merchant."""
    settings, _ = promises.get_settings(s, shop=shop)
    prompt_id = s.scalar(select(RefundPrompt.id).where(
        RefundPrompt.shop_id == shop.id, RefundPrompt.order_shopify_id == order.shopify_id,
        RefundPrompt.status == "pending"))
    if prompt_id is None:
        prompt_id = refunds.raise_prompt(s, shop=shop, order=order, trigger="customer_choice", settings=settings,
                                         now=now)
    total = Decimal(money_str(order.total_price, order.currency))
    refundable = Decimal(money_str(total - refunds.refunded_so_far(s, shop=shop, order_id=order.shopify_id),
                                   order.currency))
    problem = ("the order cannot be refunded from here" if prompt_id is None or refundable <= 0
               else _over_caps(s, shop, total, settings, now))
    values = {"refund_prompt_id": prompt_id, "amount": refundable}
    if problem:
        values.update(status="referred", detail=problem)
        body = (f"The customer chose a refund now, but {problem}: please decide"
                + (f" on refund prompt #{prompt_id}." if prompt_id else "."))
    else:
        effects.schedule(s, shop=shop, kind="choice_refund", key=str(choice.id), payload={"choice_id": choice.id})
        body = f"The customer chose a refund now: refunding {refundable} {order.currency or ''} (prompt #{prompt_id})."
    s.execute(update(CustomerChoice).where(CustomerChoice.id == choice.id).values(**values))
    tickets.note_open_tickets(s, shop=shop, order_id=order.shopify_id, now=now, body=body)


def _over_caps(s: Session, shop: Shop, total: Decimal, settings: dict, now: datetime) -> str | None:
    """Why this refund needs the merchant: over the per-order cap or the daily count, else None."""
    auto = cost.rules_of(settings)["automatic"]
    cap = Decimal(str(auto["max_order_amount"]))
    if total > cap:
        return f"the order total {total} is over the {cap} cap for refunds without review"
    today = s.scalar(select(func.count()).select_from(Effect).where(
        Effect.shop_id == shop.id, Effect.kind.in_(UNREVIEWED_REFUNDS), Effect.created_at >= now - timedelta(days=1)))
    if today >= auto["max_per_day"]:
        return f"{today} refunds without review were made in the last day (limit {auto['max_per_day']})"
    return None
