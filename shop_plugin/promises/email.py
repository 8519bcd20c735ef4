"""The optional "shipping expectations" email, sent right after the order (merchant switch)."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app, render_template

from shop_plugin.effects.service import EffectRejected
from shop_plugin.extensions import session
from shop_plugin.notify import mailer
from shop_plugin.orders.service import get_order
from shop_plugin.promises import service
from shop_plugin.shops.models import Shop

SUBJECTS = {
    "en": "Your order {name}: when it ships and arrives",
    "ko": "주문 {name}: 발송 및 도착 예정 안내",
    "id": "Pesanan {name}: kapan dikirim dan tiba",
}
GREETINGS = {
    "en": "Thank you for your order.",
    "ko": "주문해 주셔서 감사합니다.",
    "id": "Terima kasih atas pesanan Anda.",
}


def compose(*, shop: Shop, order, promise, settings: dict) -> EmailMessage:
    lang = promise.locale if promise.locale in SUBJECTS else "en"
    store = mailer.store_name(shop, settings)
    message = EmailMessage()
    message["Subject"] = SUBJECTS[lang].format(name=order.name or "")
    message["From"] = formataddr((store, current_app.config["MAIL_FROM"]))
    message["To"] = order.email
    reply_to = mailer.reply_address(shop, settings)
    if reply_to:
        message["Reply-To"] = reply_to
    # Stable per order: a retried send is recognisable as the same message.
    message["Message-ID"] = f"<promise.{order.shopify_id}.{shop.id}@{current_app.config['MAIL_DOMAIN']}>"
    message["Auto-Submitted"] = mailer.AUTO_GENERATED  # RFC 3834: auto-responders do not answer it
    context = {"lang": lang, "greeting": GREETINGS[lang], "order": order, "promise": promise, "store": store}
    message.set_content(render_template("emails/promise.txt", **context))
    message.add_alternative(render_template("emails/promise.html", **context), subtype="html")
    return message


def send(shop: Shop, payload: dict) -> dict:
    """Effect executor: one email per order."""
    s = session()
    order = get_order(s, shop=shop, shopify_id=payload["order_id"])
    promise = service.get(s, shop=shop, order_shopify_id=payload["order_id"])
    if order is None or promise is None or not order.email:
        raise EffectRejected("the order, its promise or its email address is gone")
    settings, _ = service.get_settings(s, shop=shop)
    return {"message_id": mailer.send(compose(shop=shop, order=order, promise=promise, settings=settings))}
