"""Canned replies and notification templates: {{ variables }} filled per ticket in Jinja's sandbox,
so a template written by the merchant can read the values offered here and nothing else."""
from __future__ import annotations

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.helpdesk.models import Ticket
from shop_plugin.notify import mailer
from shop_plugin.orders.models import Order
from shop_plugin.orders.serialize import money_str
from shop_plugin.shops.models import Shop

MAX_VALUE = 100_000  # characters (or items) any * or ** in a merchant template may produce


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, plus: `*` and `**` cannot build huge values ({{ "a" * 10**9 }})."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                return self.undefined("exponent too large")
            return left ** right
        sizes = [len(v) if isinstance(v, str | list | tuple) else None for v in (left, right)]
        numbers = [v for v in (left, right) if isinstance(v, int) and not isinstance(v, bool)]
        if any(size is not None for size in sizes) and numbers and max(
                size or 1 for size in sizes) * max(numbers) > MAX_VALUE:
            return self.undefined("value too large")
        return left * right


def merchant_environment() -> BoundedSandbox:
    """For templates merchants write (canned replies, acknowledgements): plain text, bounded."""
    return BoundedSandbox(autoescape=False)


_env = merchant_environment()  # plain-text email bodies; HTML is escaped where shown
VARIABLES = ("order.name", "order.email", "order.total", "order.status_url", "customer.name", "customer.email",
             "promise.ship_by", "promise.deliver_from", "promise.deliver_to", "shop.name", "ticket.id",
             "ticket.title")


def check(template: str) -> str | None:
    """None when the template compiles, else the reason it does not."""
    try:
        _env.from_string(template)
    except TemplateError as exc:
        return str(exc)
    return None


def context(s: Session, *, shop: Shop, ticket: Ticket) -> dict:
    """What a template may use. When the ticket's customer is not the order's email (someone typed an
    order number), only the order's name is given: automatic mail must not tell a stranger more."""
    from shop_plugin.promises import service as promises

    order = None
    if ticket.order_shopify_id is not None:
        order = s.scalars(select(Order).where(Order.shop_id == shop.id,
                                              Order.shopify_id == ticket.order_shopify_id)).one_or_none()
    name = order.name if order else ""
    if order is not None and ticket.customer_email and ticket.customer_email.lower() != (order.email or "").lower():
        order = None  # someone other than the buyer named the order: they learn nothing more about it
    promise = promises.get(s, shop=shop, order_shopify_id=order.shopify_id) if order else None
    settings, _ = promises.get_settings(s, shop=shop)
    return {
        "order": {"name": name, "email": order.email if order else "",
                  "total": f"{money_str(order.total_price, order.currency)} {order.currency}"
                  if order and order.total_price else "",
                  "status_url": (order.order_status_url or "") if order else ""},
        "customer": {"name": ticket.customer_name or (order.customer_name if order else "") or "",
                     "email": ticket.customer_email or (order.email if order else "") or ""},
        "promise": {"ship_by": str(promise.ship_by) if promise else "",
                    "deliver_from": str(promise.deliver_from or "") if promise else "",
                    "deliver_to": str(promise.deliver_to or "") if promise else ""},
        "shop": {"name": mailer.store_name(shop, settings)},
        "ticket": {"id": ticket.id, "title": ticket.title or ""},
    }


def render_canned(s: Session, *, shop: Shop, ticket: Ticket, template: str) -> str:
    """The template filled for this ticket; a broken template comes back as written (also one that
    compiles but fails on these values, such as {{ order.name + 1 }} or {{ 1 / 0 }})."""
    try:
        return _env.from_string(template).render(**context(s, shop=shop, ticket=ticket))
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError):
        return template
