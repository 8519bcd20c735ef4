"""Effect executors of the late-order choice: the offer email, the discount code, the refund."""
from __future__ import annotations

from email.message import EmailMessage
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import update

from shop_plugin.db import utcnow
from shop_plugin.effects.service import EffectRejected, RetryLater
from shop_plugin.extensions import session
from shop_plugin.helpdesk import service as tickets
from shop_plugin.notify import mailer, optouts, wording
from shop_plugin.notify.notices import unsubscribe_url
from shop_plugin.orders.serialize import money_str
from shop_plugin.orders.service import get_order
from shop_plugin.promises import service as promises
from shop_plugin.promises.text import babel_locale, fill
from shop_plugin.refunds import choice_links, choices, shopify_discounts
from shop_plugin.refunds import service as refunds
from shop_plugin.refunds.choice_wording import EMAIL
from shop_plugin.refunds.models import CustomerChoice
from shop_plugin.shops.models import Shop

CHOICE_NOTE = "the customer's choice"


def _choice(s, shop: Shop, payload: dict) -> CustomerChoice:
    choice = choices.get(s, shop_id=shop.id, choice_id=payload["choice_id"])
    if choice is None:
        raise EffectRejected("the customer's choice is gone")
    return choice


def _record(s, shop: Shop, choice: CustomerChoice, note: str | None = None, **values) -> None:
    s.execute(update(CustomerChoice).where(CustomerChoice.id == choice.id).values(**values))
    if note:
        tickets.note_open_tickets(s, shop=shop, order_id=choice.order_shopify_id, now=utcnow(), body=note)
    s.commit()


def compose(shop: Shop, order, choice: CustomerChoice, settings: dict) -> EmailMessage:
    words = EMAIL[choice.locale if choice.locale in EMAIL else "en"]
    expires = choice.expires_at.astimezone(ZoneInfo(settings["timezone"])).date()
    values = {"order": order.name or "", "percent": str(choice.discount_percent),
              "expires": format_date(expires, "long", locale=babel_locale(order.customer_locale))}
    context = {key: fill(text, values) for key, text in words.items()}
    context.update(lang=choice.locale, order=order,
                   unsubscribe_link=wording.UNSUBSCRIBE_LINK.get(choice.locale, wording.UNSUBSCRIBE_LINK["en"]),
                   discount_url=choice_links.url(choice, "discount"), refund_url=choice_links.url(choice, "refund"),
                   store=mailer.store_name(shop, settings),
                   unsubscribe_url=unsubscribe_url(shop, order.email))
    return mailer.customer_message(
        store=context["store"], to=order.email, reply_to=mailer.reply_address(shop, settings),
        message_id=f"choice.{choice.id}.{shop.id}", subject=context["subject"], template="customer_choice",
        context=context, unsubscribe_url=context["unsubscribe_url"])


def send_offer(shop: Shop, payload: dict) -> dict:
    """Email the offer, unless it no longer stands (delivered, refunded, opted out, already taken)."""
    s = session()
    choice = _choice(s, shop, payload)
    order = get_order(s, shop=shop, shopify_id=choice.order_shopify_id)
    opted_out = order is not None and optouts.opted_out_at(s, shop_id=shop.id, email=order.email)
    skip = ("already answered" if choice.status != "offered" else "order gone" if order is None
            else "no email" if not order.email else "opted out" if opted_out
            else "order closed" if choices.closed(s, choice) else None)
    if skip:
        if choice.status == "offered":
            _record(s, shop, choice, status="skipped", detail=skip)
        return {"skipped": skip}
    settings, _ = promises.get_settings(s, shop=shop)
    return {"message_id": mailer.send(compose(shop, order, choice, settings))}


def create_discount(shop: Shop, payload: dict) -> dict:
    """Create the stored code in Shopify; a code Shopify refuses is left to the merchant, on the ticket."""
    s = session()
    choice = _choice(s, shop, payload)
    if choice.status == "done":
        return {"discount_id": choice.discount_shopify_id}
    order = get_order(s, shop=shop, shopify_id=choice.order_shopify_id)
    try:
        discount_id = shopify_discounts.create(
            shop, code=choice.discount_code, percent=choice.discount_percent, starts_at=choice.chosen_at,
            customer_id=order.customer_id if order else None,
            title=f"ShipPromise: thank you for waiting ({order.name if order else choice.order_shopify_id})")
    except EffectRejected as exc:
        _record(s, shop, choice, status="failed", detail=str(exc)[:1000], note=(
            f"Shopify refused the discount code {choice.discount_code}: {exc}. Please send the customer a code."))
        raise
    _record(s, shop, choice, status="done", discount_shopify_id=discount_id, detail=None, note=(
        f"Discount code {choice.discount_code} ({choice.discount_percent}%, single use) created for the customer."))
    return {"discount_id": discount_id}


def refund(shop: Shop, payload: dict) -> dict:
    """Accept the choice's refund prompt for the amount stored at the click: one refund, whatever retries."""
    s = session()
    choice = _choice(s, shop, payload)
    if choice.status == "done" or choice.refund_prompt_id is None:
        return {"skipped": choice.status}
    currency = getattr(refunds.get(s, shop=shop, prompt_id=choice.refund_prompt_id), "currency", None)
    try:
        prompt = refunds.accept(s, shop=shop, prompt_id=choice.refund_prompt_id,
                                amount=money_str(choice.amount, currency), note=CHOICE_NOTE)
    except refunds.PromptError as exc:
        current = refunds.get(s, shop=shop, prompt_id=choice.refund_prompt_id)
        if current is not None and current.status == "accepted":
            raise RetryLater(f"a refund for prompt #{current.id} is in progress") from exc
        _record(s, shop, choice, status="failed", detail=str(exc)[:1000], note=(
            f"The refund the customer chose could not be made: {exc}. Please decide on prompt "
            f"#{choice.refund_prompt_id}."))
        raise EffectRejected(str(exc)) from exc
    if prompt.status != "refunded":
        raise RetryLater(f"the customer's refund is not done yet: {prompt.error}")
    _record(s, shop, choice, status="done", detail=prompt.refund_shopify_id)
    return {"refund_id": prompt.refund_shopify_id}
