"""The pages a late-order choice link opens: GET confirms (and changes nothing), POST chooses."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.notify import mailer
from shop_plugin.orders.serialize import money_str
from shop_plugin.orders.service import get_order
from shop_plugin.promises import service as promises
from shop_plugin.promises.text import fill
from shop_plugin.refunds import choices
from shop_plugin.refunds.choice_wording import LANGUAGES, PAGE
from shop_plugin.shops.models import Shop

bp = Blueprint("choices", __name__)
STATUS = {"invalid": 404, "expired": 410, "used": 409, "open": 200, "chosen": 200}
# The token is the key: keep it out of caches, referrers and search engines.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@bp.get("/choice/<token>")
def confirm(token: str):
    """Mail scanners fetch links: opening one only shows what it offers, with a button."""
    return _page(choices.inspect(session(), token=token, now=utcnow()))


@bp.post("/choice/<token>")
def choose(token: str):
    return _page(choices.choose(session(), token=token, now=utcnow()))


def _result(choice) -> str:
    """What came of a choice, in the page's words: the code, the refund, or "the store will reply"."""
    if choice.status not in ("chosen", "done"):
        return "referred"
    return "chosen_discount" if choice.chosen == "discount" else "chosen_refund"


def _page(outcome: choices.Outcome):
    choice = outcome.choice
    lang = choice.locale if choice is not None and choice.locale in PAGE else (
        request.accept_languages.best_match(LANGUAGES) or "en")
    values, lines = {"order": "", "store": "", "percent": "", "code": "", "amount": ""}, [outcome.state]
    if choice is not None:
        s = session()
        shop = s.get(Shop, choice.shop_id)
        order = get_order(s, shop=shop, shopify_id=choice.order_shopify_id)
        settings, _ = promises.get_settings(s, shop=shop)
        values.update(order=(order.name if order else "") or "", percent=str(choice.discount_percent),
                      code=choice.discount_code or "",
                      amount=f"{money_str(choice.amount, order.currency if order else None) or ''} "
                             f"{(order.currency if order else '') or ''}".strip(),
                      store=mailer.store_name(shop, settings))
    if outcome.state == "open":
        lines = [f"confirm_{outcome.option}"]
    elif outcome.state == "chosen":
        lines = [_result(choice)]
    elif outcome.state == "used":
        lines = ["used", _result(choice)]
    words = {key: fill(text, values) for key, text in PAGE[lang].items()}
    body = render_template("refunds/choice.html", lang=lang, title=words["title"], lines=[words[k] for k in lines],
                           button=words.get(f"button_{outcome.option}") if outcome.state == "open" else None)
    return body, STATUS[outcome.state], HEADERS
