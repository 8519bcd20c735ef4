"""Refund prompts: raised by triggers, accepted once (one refund), dismissed, reconciled."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore, one_at_a_time, utcnow
from shop_plugin.disputes.ratio import pressure
from shop_plugin.effects import service as effects
from shop_plugin.effects.models import Effect
from shop_plugin.helpdesk import service as tickets
from shop_plugin.orders.models import Order, Refund
from shop_plugin.orders.serialize import money_str
from shop_plugin.orders.service import get_order, record_refund
from shop_plugin.promises import service as promises
from shop_plugin.refunds import cost, shopify_refunds, standing
from shop_plugin.refunds.models import RefundPrompt
from shop_plugin.shops.models import Shop

IN_FLIGHT = timedelta(minutes=5)
AUTO_NOTE = "automatic refund"
NOTE_TAG = "ShipPromise refund prompt #{id}"
NOTE_RE = re.compile(r"ShipPromise refund prompt #(\d+)")


class PromptError(Exception):
    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def refunded_so_far(s: Session, *, shop: Shop, order_id: int) -> Decimal:
    total = s.scalar(select(func.sum(Refund.amount)).where(Refund.shop_id == shop.id,
                                                           Refund.order_shopify_id == order_id))
    return Decimal(total or 0)


REFUND_CAPS = 1  # advisory lock namespace (see one_at_a_time): a shop's prompts and automatic refund count


def raise_prompt(s: Session, *, shop: Shop, order: Order, trigger: str, settings: dict, now: datetime,
                 automatic: bool = True) -> int | None:
    """A prompt for this order and trigger, unless one was raised before or another is unsettled.
    `automatic`: whether the merchant's automatic-refund rule may act on it (not for a customer's
    message whose sender is not proven: anyone can write with the buyer's address).

    One session at a time raises prompts for a shop (an advisory lock on PostgreSQL, held to commit;
    SQLite has one writer anyway): the pending check, the insert and the daily count of automatic
    refunds then see each other, whoever calls (delay scan, webhooks, customer messages and choices)."""
    one_at_a_time(s, REFUND_CAPS, shop.id)
    if order.total_price is None or order.financial_status in ("refunded", "voided"):
        return None
    total, refunded = _amounts(s, shop=shop, order=order)
    assessment = _assess(s, shop=shop, order=order, trigger=trigger, settings=settings, now=now, total=total,
                         refunded=refunded)
    if assessment is None:
        return None
    # Not beside a prompt still open: pending, being refunded, or failed (whose refund may yet turn out
    # to have been made, or which the merchant may retry or dismiss): one refund question at a time.
    unsettled = s.scalar(select(RefundPrompt.id).where(
        RefundPrompt.shop_id == shop.id, RefundPrompt.order_shopify_id == order.shopify_id,
        RefundPrompt.status.in_(("pending", "accepted", "failed"))).limit(1))
    if unsettled is not None:
        return None
    prompt_id = insert_ignore(s, RefundPrompt.__table__, {
        "shop_id": shop.id, "order_shopify_id": order.shopify_id, "trigger": trigger,
        "recommended": assessment.recommended, "amount": assessment.amount, "currency": order.currency,
        "expected_chargeback_cost": assessment.expected_chargeback_cost, "rationale": assessment.rationale,
        "status": "pending", "created_at": now,
    }, ["shop_id", "order_shopify_id", "trigger"])
    if prompt_id is not None:
        tickets.note_open_tickets(s, shop=shop, order_id=order.shopify_id, now=now, body=(
            f"Refund prompt #{prompt_id} ({trigger}): recommend {assessment.recommended.replace('_', ' ')}; "
            f"{assessment.rationale['formula']}."))
        _maybe_automatic(s, shop=shop, prompt_id=prompt_id, trigger=trigger, total=total,
                         recommended=assessment.recommended, settings=settings, now=now, allowed=automatic)
    return prompt_id


def _amounts(s: Session, *, shop: Shop, order: Order) -> tuple[Decimal, Decimal]:
    """(the order's total, what was refunded of it so far), in the currency's own decimals."""
    refunded = refunded_so_far(s, shop=shop, order_id=order.shopify_id)
    return Decimal(money_str(order.total_price, order.currency)), Decimal(money_str(refunded, order.currency))


def _assess(s: Session, *, shop: Shop, order: Order, trigger: str, settings: dict, now: datetime,
            total: Decimal, refunded: Decimal) -> cost.Assessment | None:
    """The recommendation for this order and trigger now, on what is left to refund (None: nothing is)."""
    if refunded >= total:
        return None
    assessment = cost.assess(trigger=trigger, total=total, refunded=refunded,
                             pressure=pressure(s, shop=shop, timezone=settings["timezone"], now=now),
                             rules=cost.rules_of(settings))
    chargeback = standing.blocking_chargeback(s, shop=shop, order_id=order.shopify_id)
    if chargeback is not None:
        assessment = cost.withheld(assessment, standing.refund_blocked(chargeback.shopify_id, chargeback.status))
    return assessment


def record(s: Session, *, shop: Shop, order_id: int, payloads: list[dict], now: datetime) -> None:
    """Store the order's refunds, each once, wherever Shopify shows them (refunds/create, an order's own
    refunds list from orders/updated or reconciliation), and follow up those stored here for the first
    time: each may complete a prompt ShipPromise executed, and together they leave less to refund for the
    order's pending prompt, assessed again once. A refund seen again is left alone."""
    new = [refund for refund in ({**p, "order_id": order_id} for p in payloads)
           if record_refund(s, shop=shop, payload=refund) is not None]
    for refund in new:
        reconcile(s, shop=shop, payload=refund)
    if new:
        refit(s, shop=shop, order_id=order_id, now=now)


def refit(s: Session, *, shop: Shop, order_id: int, now: datetime) -> None:
    """A refund made elsewhere (Shopify admin, another app) leaves less to refund: the order's pending prompt
    is assessed again on what is left, so it never offers more, or set aside when nothing is left."""
    prompt = standing.pending_prompt(s, shop=shop, order_id=order_id)
    order = get_order(s, shop=shop, shopify_id=order_id) if prompt is not None else None
    if order is None or order.total_price is None:
        return
    settings = promises.get_settings(s, shop=shop)[0]
    total, refunded = _amounts(s, shop=shop, order=order)
    assessment = _assess(s, shop=shop, order=order, trigger=prompt.trigger, settings=settings, now=now,
                         total=total, refunded=refunded)
    if assessment is None:
        standing.set_aside(s, shop=shop, order_id=order_id, now=now, reason=(
            f"nothing is left to refund ({refunded} of {total} {order.currency or ''} refunded already)"))
        return
    result = s.execute(update(RefundPrompt).where(RefundPrompt.id == prompt.id, RefundPrompt.status == "pending")
                       .values(recommended=assessment.recommended, amount=assessment.amount,
                               expected_chargeback_cost=assessment.expected_chargeback_cost,
                               rationale=assessment.rationale))
    if result.rowcount == 1:
        tickets.note_open_tickets(s, shop=shop, order_id=order_id, now=now, body=(
            f"Refund prompt #{prompt.id} assessed again after a refund made elsewhere "
            f"({assessment.rationale['already_refunded']} refunded so far): recommend "
            f"{assessment.recommended.replace('_', ' ')}; {assessment.rationale['formula']}."))


def _maybe_automatic(s: Session, *, shop: Shop, prompt_id: int, trigger: str, total: Decimal, recommended: str,
                     settings: dict, now: datetime, allowed: bool) -> None:
    """The merchant's automatic-refund rule: by trigger, under the per-order cap and the daily count."""
    auto = cost.rules_of(settings)["automatic"]
    if not (auto["enabled"] and trigger in auto["triggers"] and recommended.endswith("refund")
            and total <= Decimal(str(auto["max_order_amount"]))):
        return
    if not allowed:
        s.execute(update(RefundPrompt).where(RefundPrompt.id == prompt_id).values(
            error="automatic refund skipped: the customer's message is not proven to be theirs (sender not "
                  "verified); decide it yourself"))
        return
    since = now - timedelta(days=1)
    today = s.scalar(select(func.count()).select_from(Effect).where(  # scheduled ones count too
        Effect.shop_id == shop.id, Effect.kind == "automatic_refund", Effect.created_at >= since)) or 0
    if today >= auto["max_per_day"]:
        s.execute(update(RefundPrompt).where(RefundPrompt.id == prompt_id).values(
            error=f"automatic refund skipped: {today} today already (limit {auto['max_per_day']})"))
        return
    effects.schedule(s, shop=shop, kind="automatic_refund", key=str(prompt_id), payload={"prompt_id": prompt_id})


def run_automatic(shop: Shop, payload: dict) -> dict:
    """Effect executor: accept the prompt as the merchant's rule allows; logged on the ticket."""
    from shop_plugin.effects.service import RetryLater
    from shop_plugin.extensions import session

    s = session()
    try:
        prompt = accept(s, shop=shop, prompt_id=payload["prompt_id"], note=AUTO_NOTE)
    except PromptError as exc:
        if exc.status == 422:  # e.g. a chargeback came first: trying again cannot help
            raise effects.EffectRejected(str(exc)) from exc
        raise
    if prompt.status != "refunded":
        raise RetryLater(f"automatic refund not done yet: {prompt.error}")
    tickets.note_open_tickets(s, shop=shop, order_id=prompt.order_shopify_id, now=utcnow(),
                              body=f"Refunded automatically by the merchant's rule (prompt #{prompt.id}).")
    s.commit()
    return {"refund_id": prompt.refund_shopify_id}


def get(s: Session, *, shop: Shop, prompt_id: int) -> RefundPrompt | None:
    return s.scalars(select(RefundPrompt).where(RefundPrompt.shop_id == shop.id, RefundPrompt.id == prompt_id)
                     .execution_options(populate_existing=True)).one_or_none()


def get_all(s: Session, *, shop: Shop, status: str | None = None, order_id: int | None = None) -> list[RefundPrompt]:
    stmt = select(RefundPrompt).where(RefundPrompt.shop_id == shop.id)
    if status:
        stmt = stmt.where(RefundPrompt.status == status)
    if order_id is not None:
        stmt = stmt.where(RefundPrompt.order_shopify_id == order_id)
    return list(s.scalars(stmt.order_by(RefundPrompt.id.desc()).limit(200)))


def dismiss(s: Session, *, shop: Shop, prompt_id: int, reason: str) -> RefundPrompt:
    result = s.execute(update(RefundPrompt).where(
        RefundPrompt.shop_id == shop.id, RefundPrompt.id == prompt_id, RefundPrompt.status.in_(("pending", "failed"))
    ).values(status="dismissed", note=reason[:1000], decided_at=utcnow()))
    s.commit()
    prompt = get(s, shop=shop, prompt_id=prompt_id)
    if prompt is None:
        raise PromptError("no such refund prompt", 404)
    if result.rowcount != 1:
        raise PromptError(f"the prompt is {prompt.status}; only pending or failed prompts can be dismissed")
    return prompt


def _amount(prompt: RefundPrompt, order: Order, refunded: Decimal, given: str | None) -> Decimal:
    try:
        amount = Decimal(given) if given is not None else prompt.amount
    except (InvalidOperation, TypeError, ValueError):
        raise PromptError("amount must be a decimal such as 12.00", 422) from None
    if not amount.is_finite():
        raise PromptError("amount must be a decimal such as 12.00", 422)
    if amount <= 0 and given is None:
        raise PromptError(f"this prompt recommends {prompt.recommended}; give the amount to refund", 422)
    left = Decimal(money_str((order.total_price or Decimal(0)) - refunded, order.currency))
    if given is not None and Decimal(money_str(amount, order.currency)) != amount:  # never cut a cent silently
        raise PromptError(f"amount has more decimals than {order.currency or 'the currency'} has, e.g. {left}", 422)
    if not Decimal(0) < amount <= left:
        raise PromptError(f"amount must be more than 0 and at most {left}", 422)
    return amount


def _same_request(prompt: RefundPrompt, value: Decimal, given: str | None,
                  note: str | None) -> tuple[Decimal, str | None]:
    """An attempt with this key may have reached Shopify: retry exactly that request (same amount, same
    note), or refuse; a different one under the same key would be refused by Shopify, and under a new
    key could refund twice. Shopify's refunds/create webhook settles the prompt if it did refund."""
    if (given is not None and value != prompt.amount) or (note is not None and note != prompt.note):
        raise PromptError(f"a refund of {prompt.amount} may already be on its way to Shopify; retry it unchanged, "
                          "or wait for Shopify's confirmation", 409)
    return prompt.amount, prompt.note


def _claim(s: Session, shop: Shop, prompt_id: int, amount: Decimal, note: str | None, now: datetime) -> bool:
    """Pending, failed, or accepted long ago without an answer: move to accepted, keeping the key."""
    result = s.execute(update(RefundPrompt).where(
        RefundPrompt.shop_id == shop.id, RefundPrompt.id == prompt_id,
        or_(RefundPrompt.status.in_(("pending", "failed")),
            (RefundPrompt.status == "accepted") & (RefundPrompt.attempted_at < now - IN_FLIGHT)),
    ).values(status="accepted", amount=amount, note=note, attempted_at=now, error=None))
    s.commit()
    return result.rowcount == 1


def accept(s: Session, *, shop: Shop, prompt_id: int, amount: str | None = None,
           note: str | None = None) -> RefundPrompt:
    """Execute the refund exactly once: the idempotency key is stored before the Admin API call
    and reused by every retry, and the refunds/create webhook completes a prompt whose answer
    was lost."""
    prompt = get(s, shop=shop, prompt_id=prompt_id)
    if prompt is None:
        raise PromptError("no such refund prompt", 404)
    if prompt.status == "refunded":
        return prompt
    chargeback = standing.blocking_chargeback(s, shop=shop, order_id=prompt.order_shopify_id)
    if chargeback is not None:  # whatever the prompt's status: a page left open may still show it
        raise PromptError(f"no refund: {standing.refund_blocked(chargeback.shopify_id, chargeback.status)}", 422)
    order = s.scalars(select(Order).where(Order.shop_id == shop.id, Order.shopify_id ==
                                          prompt.order_shopify_id)).one()
    refunded = refunded_so_far(s, shop=shop, order_id=order.shopify_id)
    value = _amount(prompt, order, refunded, amount)
    if prompt.idempotency_key is not None and prompt.attempted_at is not None:
        value, note = _same_request(prompt, value, amount, note)
    if prompt.idempotency_key is None:
        s.execute(update(RefundPrompt).where(RefundPrompt.id == prompt.id, RefundPrompt.idempotency_key.is_(None))
                  .values(idempotency_key=str(uuid.uuid4())))
        s.commit()
    now = utcnow()
    if not _claim(s, shop, prompt_id, value, note, now):
        prompt = get(s, shop=shop, prompt_id=prompt_id)
        if prompt.status == "refunded":
            return prompt
        raise PromptError(f"the prompt is {prompt.status}" + (" (a refund is in progress)"
                                                              if prompt.status == "accepted" else ""))
    prompt = get(s, shop=shop, prompt_id=prompt_id)
    try:
        refund_id = shopify_refunds.create(shop, order=order, amount=value, key=prompt.idempotency_key,
                                           note=f"{NOTE_TAG.format(id=prompt.id)}. {note or ''}".strip())
    except Exception as exc:  # noqa: BLE001 - the merchant sees why and may retry
        # Shopify's refusal (userErrors) made no refund: the next attempt is a request of its own, with a key
        # of its own (Shopify may answer a reused key with the refusal again). Any other failure may have
        # refunded: the key stays, for a retry of the same request.
        refused = isinstance(exc, effects.EffectRejected)
        s.execute(update(RefundPrompt).where(RefundPrompt.id == prompt.id, RefundPrompt.status == "accepted")
                  .values(status="failed", error=f"{type(exc).__name__}: {exc}"[:1000],
                          **({"idempotency_key": None} if refused else {})))
        s.commit()
        return get(s, shop=shop, prompt_id=prompt_id)
    complete(s, shop=shop, prompt_id=prompt.id, refund_id=refund_id)
    return get(s, shop=shop, prompt_id=prompt_id)


def complete(s: Session, *, shop: Shop, prompt_id: int, refund_id: str) -> None:
    """Mark the prompt refunded (from the API answer or the refunds/create webhook), once."""
    now = utcnow()
    result = s.execute(update(RefundPrompt).where(
        RefundPrompt.shop_id == shop.id, RefundPrompt.id == prompt_id, RefundPrompt.status != "refunded"
    ).values(status="refunded", refund_shopify_id=refund_id, decided_at=now, error=None))
    if result.rowcount == 1:
        prompt = s.get(RefundPrompt, prompt_id)
        tickets.note_open_tickets(s, shop=shop, order_id=prompt.order_shopify_id, now=now, body=(
            f"Refunded {prompt.amount} {prompt.currency or ''} (prompt #{prompt_id}, refund {refund_id})."))
    s.commit()


def reconcile(s: Session, *, shop: Shop, payload: dict) -> None:
    """refunds/create: a refund whose note names a prompt completes that prompt."""
    found = NOTE_RE.search(payload.get("note") or "")
    if found:
        refund_gid = payload.get("admin_graphql_api_id") or f"gid://shopify/Refund/{payload.get('id')}"
        result = s.execute(update(RefundPrompt).where(
            RefundPrompt.shop_id == shop.id, RefundPrompt.id == int(found.group(1)),
            RefundPrompt.status.in_(("accepted", "failed", "pending"))
        ).values(status="refunded", refund_shopify_id=refund_gid, decided_at=utcnow(), error=None))
        if result.rowcount:
            tickets.note_open_tickets(s, shop=shop, order_id=int(payload["order_id"]), now=utcnow(),
                                      body=f"Refund {refund_gid} confirmed by Shopify for prompt #{found.group(1)}.")
