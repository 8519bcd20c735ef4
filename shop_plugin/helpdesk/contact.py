"""The storefront contact form: what a customer may send, and the ticket it becomes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import get_day_names
from sqlalchemy.orm import Session

from shop_plugin.helpdesk import ack, phrases
from shop_plugin.helpdesk.inbound import Incoming, receive
from shop_plugin.helpdesk.mailtext import clean_text, one_line
from shop_plugin.helpdesk.mime import address
from shop_plugin.helpdesk.sla import DEFAULT_SUPPORT_HOURS
from shop_plugin.promises import service as promises
from shop_plugin.promises.calendar import WEEKDAYS
from shop_plugin.promises.text import babel_locale
from shop_plugin.shops.models import Shop

LIMITS = {"name": 200, "email": 320, "order": 40, "message": 5000}
MAX_FORM = 64 * 1024  # bytes of a posted form


@dataclass(frozen=True)
class ContactForm:
    name: str
    email: str
    order: str
    message: str


def read(fields, lang: str) -> tuple[ContactForm, dict[str, str]]:
    """The posted fields, cleaned, and an error message per field that is not acceptable."""
    words = phrases.TEXT[lang]
    raw = {key: str(fields.get(key, "")) for key in LIMITS}
    errors = {key: words["error_long"].replace("{limit}", str(limit))
              for key, limit in LIMITS.items() if len(raw[key]) > limit}
    message = clean_text(raw["message"].replace("\r\n", "\n")).strip()
    if not message and "message" not in errors:
        errors["message"] = words["error_message"]
    if address(raw["email"]) is None and "email" not in errors:
        errors["email"] = words["error_email"]
    form = ContactForm(name=one_line(raw["name"], LIMITS["name"]), email=raw["email"].strip(),
                       order=one_line(raw["order"], LIMITS["order"]), message=message)
    return form, errors


def submit(s: Session, *, shop: Shop, form: ContactForm, lang: str, now: datetime,
           customer_id: int | None = None) -> str:
    """Open or continue the customer's ticket; returns when they will hear back, in their words.
    `customer_id`: the logged-in customer, from the app proxy's signed query."""
    first_line = one_line(form.message.split("\n", 1)[0], 80)
    received = receive(s, shop=shop, now=now, incoming=Incoming(
        source="form", sender=address(form.email), sender_name=form.name, subject=first_line, body=form.message,
        locale=lang, order_number=form.order or None, customer_id=customer_id))
    settings, _ = promises.get_settings(s, shop=shop)
    due = ack.when(ack.reply_by(received.ticket, settings, now), settings, lang)
    s.commit()
    return due


def _days(days: list[str], lang: str) -> str:
    names = get_day_names("abbreviated", locale=babel_locale(lang))
    indexes = sorted(WEEKDAYS.index(d) for d in days)
    if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{names[indexes[0]]}–{names[indexes[-1]]}"
    return ", ".join(names[i] for i in indexes)


def support_hours(s: Session, *, shop: Shop, lang: str) -> str:
    """e.g. "Support hours: Mon–Fri, 09:00–18:00 (Asia/Seoul)." in the customer's language."""
    settings, _ = promises.get_settings(s, shop=shop)
    hours = {**DEFAULT_SUPPORT_HOURS, **settings.get("support_hours", {})}
    zone = ack.shop_zone(settings).key
    return phrases.TEXT[lang]["support_hours"].format(days=_days(hours["days"], lang), start=hours["start"],
                                                      end=hours["end"], zone=zone)
