"""Delay notices: scheduled with the ticket, sent by email once per order and reason."""
from __future__ import annotations

import re
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore_many, iso, utcnow
from shop_plugin.effects import service as effects
from shop_plugin.effects.models import Effect
from shop_plugin.extensions import session
from shop_plugin.notify import mailer, optouts, wording
from shop_plugin.notify.models import Notice
from shop_plugin.orders.models import Order
from shop_plugin.promises import service as promises
from shop_plugin.promises.calendar import BusinessCalendar
from shop_plugin.promises.text import babel_locale, fill, language, merchant_text
from shop_plugin.promises.window import transit_days
from shop_plugin.shops.models import Shop

MESSAGE_ID = re.compile(r"^<notice\.(\d{1,18})\.(\d{1,18})@([^<>\s@]+)>$")


def message_id(notice: Notice, shop: Shop) -> str:
    """The local part of a notice's Message-ID: stable, so a retried send is the same message, and
    readable again (`notice_of`) when the customer answers it."""
    return f"notice.{notice.id}.{shop.id}"


def notice_of(s: Session, *, shop: Shop, message_id: str | None) -> Notice | None:
    """The shop's notice whose Message-ID this is (as `compose` wrote it), if any."""
    found = MESSAGE_ID.match(message_id or "")
    if found is None or int(found[2]) != shop.id or found[3] != current_app.config["MAIL_DOMAIN"]:
        return None
    return s.scalars(select(Notice).where(Notice.shop_id == shop.id, Notice.id == int(found[1]))).one_or_none()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notice-unsubscribe")


def unsubscribe_token(shop: Shop, email: str) -> str:
    return _serializer().dumps({"s": shop.id, "e": email.lower()})


def unsubscribe_url(shop: Shop, email: str) -> str:
    """The one-click opt-out link every customer email of the shop carries."""
    return f"{current_app.config['SHOPIFY_APP_URL']}/n/unsubscribe/{unsubscribe_token(shop, email)}"


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    return (data["s"], data["e"]) if isinstance(data, dict) and {"s", "e"} <= set(data) else None


def schedule_many(s: Session, wanted: list[tuple[Shop, Order, str, dict]]) -> int:
    """At most one notice per order and reason, recorded now and sent after commit, for many
    (shop, order, reason, settings) in two statements; returns how many are new. `order` may be a
    row with the order's shopify_id, email and customer_locale."""
    now, table = utcnow(), Notice.__table__
    created = insert_ignore_many(s, table, [
        {"shop_id": shop.id, "order_shopify_id": order.shopify_id, "reason": reason,
         "locale": language(order.customer_locale, settings), "status": "pending", "created_at": now}
        for shop, order, reason, settings in wanted if reason in wording.NOTICE_REASONS and order.email
    ], ["shop_id", "order_shopify_id", "reason"], [table.c.shop_id, table.c.order_shopify_id, table.c.reason])
    effects.schedule_many(s, [(n.shop_id, "delay_notice", f"{n.order_shopify_id}:{n.reason}",
                               {"order_id": n.order_shopify_id, "reason": n.reason}) for n in created])
    return len(created)


def _estimate(settings: dict, order: Order, shipped: bool, locale: str | None) -> str:
    """A fresh, honest range from today (the store's today, in its time zone, as promises count):
    remaining processing (if not shipped) plus transit."""
    from babel.dates import format_interval

    days = transit_days(settings, order.destination_country) or [7, 15]
    low, high = days[0], days[1] + (0 if shipped else settings["processing_days"][1])
    calendar = BusinessCalendar.of(order.destination_country)
    today, skipped = utcnow().astimezone(ZoneInfo(settings["timezone"])).date(), []
    start = calendar.add_business_days(today, max(low, 1), skipped)
    end = calendar.add_business_days(today, max(high, low, 1), skipped)
    return format_interval(start, end, "yMMMd", locale=babel_locale(locale))


def compose(shop: Shop, order: Order, notice: Notice, shipped: bool) -> EmailMessage:
    settings, _ = promises.get_settings(session(), shop=shop)
    promise = promises.get(session(), shop=shop, order_shopify_id=order.shopify_id)
    lang = notice.locale if notice.locale in wording.SUBJECT else "en"
    day = lambda d: format_date(d, format="long", locale=babel_locale(order.customer_locale)) if d else ""  # noqa: E731
    values = {"order": order.name or "", "ship_by": day(promise.ship_by) if promise else "",
              "deliver_to": day(promise.deliver_to) if promise else "",  # as the promise text wrote them
              "estimate": _estimate(settings, order, shipped, order.customer_locale)}
    said = wording.key(notice.reason, shipped)  # the merchant's words for the same case, or ours
    context = {
        "lang": lang,
        "happened": fill(merchant_text(settings, lang, f"notice_{said}") or wording.HAPPENED[lang][said], values),
        "doing": wording.DOING[lang][said],
        "estimate": fill(wording.ESTIMATE[lang], values), "reply": wording.REPLY[lang],
        "unsubscribe_text": wording.UNSUBSCRIBE[lang], "unsubscribe_link": wording.UNSUBSCRIBE_LINK[lang],
        "unsubscribe_url": unsubscribe_url(shop, order.email),
        "store": mailer.store_name(shop, settings),
        "order": order,
    }
    return mailer.customer_message(
        store=context["store"], to=order.email, reply_to=mailer.reply_address(shop, settings),
        message_id=message_id(notice, shop), subject=fill(wording.SUBJECT[lang], values),
        template="delay_notice", context=context, unsubscribe_url=context["unsubscribe_url"])


def send(shop: Shop, payload: dict) -> dict:
    """Effect executor. Checks again at send time: no notice after delivery, cancellation or opt-out."""
    from shop_plugin.delays.service import snapshot

    s = session()
    notice = s.scalars(select(Notice).where(Notice.shop_id == shop.id, Notice.order_shopify_id ==
                                            payload["order_id"], Notice.reason == payload["reason"])).one()
    order = s.scalars(select(Order).where(Order.shop_id == shop.id,
                                          Order.shopify_id == payload["order_id"])).one_or_none()
    snap = snapshot(s, shop=shop, order=order) if order is not None else None
    closed = snap is not None and (snap.cancelled or snap.refunded or snap.delivered)
    skip = ("order gone" if order is None else "order closed" if closed
            else "no email" if not order.email
            else "opted out" if optouts.opted_out_at(s, shop_id=shop.id, email=order.email) else None)
    if skip:
        notice.status, notice.detail = "skipped", skip
        return {"skipped": skip}
    message_id = mailer.send(compose(shop, order, notice, shipped=bool(snap.shipments)))
    notice.status, notice.sent_at, notice.detail = "sent", utcnow(), None
    return {"message_id": message_id}


def for_order(s: Session, *, shop: Shop, order_id: int) -> list[dict]:
    """The order's notices; a pending one whose send keeps failing shows as retrying or failed."""
    rows = s.scalars(select(Notice).where(Notice.shop_id == shop.id, Notice.order_shopify_id == order_id)
                     .order_by(Notice.id)).all()
    sends = dict(s.execute(select(Effect.key, Effect.status).where(
        Effect.shop_id == shop.id, Effect.kind == "delay_notice",
        Effect.key.in_([f"{order_id}:{n.reason}" for n in rows]))).all())
    shown = {"failed": "retrying", "dead": "failed"}
    return [{"reason": n.reason, "sent_at": iso(n.sent_at), "locale": n.locale,
             "status": shown.get(sends.get(f"{order_id}:{n.reason}"), n.status) if n.status == "pending"
             else n.status} for n in rows]


