"""GDPR/CCPA compliance topics: export a customer, erase a customer, erase a shop."""
from __future__ import annotations

import json

from sqlalchemy import delete, func, or_, select, update

from shop_plugin.admin import drafts
from shop_plugin.compliance import helpdesk
from shop_plugin.compliance.export import order_export
from shop_plugin.compliance.models import DataRequest
from shop_plugin.db import insert_ignore, utcnow
from shop_plugin.effects.models import Effect
from shop_plugin.events.models import IGNORED, PROCESSED, REDACTED_BODY, WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.notify import optouts
from shop_plugin.orders.models import FulfillmentEvent, Order
from shop_plugin.shops.models import Shop

REDACTED_ERROR = "[redacted at the customer's request]"


def _iso(at) -> str | None:
    return at.isoformat() if at else None


def _customer_orders(shop: Shop, customer: dict, order_ids: list) -> list[Order]:
    """The listed orders plus any other order we hold for the same customer id or email."""
    match = [Order.shopify_id.in_([int(i) for i in order_ids])]
    if customer.get("id"):
        match.append(Order.customer_id == int(customer["id"]))
    if customer.get("email"):
        match.append(func.lower(Order.email) == customer["email"].lower())
    return list(session().scalars(select(Order).where(Order.shop_id == shop.id, or_(*match))))


def export_customer(*, shop: Shop, payload: dict, event_id: int) -> None:
    """Record a JSON export of every row we hold about the customer, once per request."""
    customer = payload.get("customer") or {}
    orders = _customer_orders(shop, customer, payload.get("orders_requested") or [])
    export = {
        "shop": shop.domain,
        "customer": customer,
        "data_request_id": (payload.get("data_request") or {}).get("id"),
        "generated_at": utcnow().isoformat(),
        "orders": [order_export(session(), shop=shop, order=o) for o in orders],
        "conversations": helpdesk.export(session(), shop=shop, email=customer.get("email"),
                                         order_ids=[o.shopify_id for o in orders]),
        "delay_notices_stopped_at": _iso(optouts.opted_out_at(session(), shop_id=shop.id, email=customer.get("email"))),
    }
    insert_ignore(session(), DataRequest.__table__, {
        "shop_id": shop.id, "webhook_event_id": event_id, "customer_id": customer.get("id"),
        "customer_email": customer.get("email"), "export": export, "created_at": utcnow(),
    }, ["webhook_event_id"])


def redact_customer(*, shop: Shop, payload: dict, event_id: int) -> None:
    """Erase names, email, phone and addresses from the customer's orders and related rows.

    Deliveries about the customer not applied yet are set aside first, then the orders are read. A
    worker applying one of them meanwhile records its outcome only if the delivery is still as it
    claimed it (events/processing.py), so either its writes are rolled back, or it committed before
    this transaction set its delivery aside and the order it wrote is found below."""
    customer = payload.get("customer") or {}
    asked = {int(i) for i in payload.get("orders_to_redact") or [] if str(i).isdigit()}
    given = {customer["email"].lower()} if customer.get("email") else set()
    _redact_unapplied_events(shop, asked, given, customer.get("id"), event_id)
    orders = _customer_orders(shop, customer, sorted(asked))
    ids = [o.shopify_id for o in orders]
    s = session()
    emails = {customer.get("email")} | {o.email for o in orders}
    for email in sorted(e for e in emails if e) or [None]:
        helpdesk.redact(s, shop=shop, email=email, order_ids=ids)
    drafts.forget_shop(s, shop_id=shop.id)  # an unsent reply kept for the merchant may quote the customer
    s.execute(update(Order).where(Order.shop_id == shop.id, Order.shopify_id.in_(ids)).values(
        email=None, phone=None, customer_name=None, customer_id=None, shipping_address=None))
    s.execute(update(FulfillmentEvent).where(
        FulfillmentEvent.shop_id == shop.id, FulfillmentEvent.order_shopify_id.in_(ids)
    ).values(city=None, province=None, zip=None))
    listed = asked | set(ids)
    s.execute(update(WebhookEvent).where(
        WebhookEvent.shop_domain == shop.domain, WebhookEvent.order_id.in_(listed)
    ).values(body=REDACTED_BODY))
    addresses = {e.lower() for e in emails if e}
    if addresses != given or listed != asked:  # the orders brought more addresses or orders to look for
        _redact_unapplied_events(shop, listed, addresses, customer.get("id"), event_id)
    errors = ((Effect, Effect.shop_id == shop.id), (WebhookEvent, WebhookEvent.shop_domain == shop.domain))
    for address in addresses:
        for model, shops_rows in errors:  # a relay's refusal or a bounce quotes the address
            s.execute(update(model).where(shops_rows, func.lower(model.error).contains(address, autoescape=True))
                      .values(error=REDACTED_ERROR))
    who = [DataRequest.customer_id == customer["id"]] if customer.get("id") else []
    who += [DataRequest.customer_email == customer["email"]] if customer.get("email") else []
    exports = select(DataRequest.webhook_event_id).where(DataRequest.shop_id == shop.id, or_(*who)) if who else None
    # The compliance deliveries themselves carry the customer's email and phone.
    own = [WebhookEvent.id == event_id] + ([WebhookEvent.id.in_(exports)] if who else [])
    s.execute(update(WebhookEvent).where(WebhookEvent.shop_domain == shop.domain, or_(*own))
              .values(body=REDACTED_BODY))
    if who:
        s.execute(delete(DataRequest).where(DataRequest.shop_id == shop.id, or_(*who)))


def _concerns(body: bytes, orders: set[int], emails: set[str], customer_id) -> bool:
    """Whether a stored webhook body is about these orders or this customer (read as Shopify sends it)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    if not isinstance(payload, dict):
        return False
    buyer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    order = payload.get("order_id", payload.get("id"))
    return (isinstance(order, int) and order in orders) or \
        str(payload.get("email") or buyer.get("email") or "").lower() in emails or \
        (customer_id is not None and buyer.get("id") == customer_id)


def _redact_unapplied_events(shop: Shop, orders: set[int], emails: set[str], customer_id, event_id: int) -> None:
    """Deliveries not applied yet (waiting, failing, dead) carry no order id: read them. Those about the
    customer are erased and set aside as ignored, so a late retry cannot write the data back."""
    s = session()
    rows = s.execute(select(WebhookEvent.id, WebhookEvent.body).where(
        WebhookEvent.shop_domain == shop.domain, WebhookEvent.order_id.is_(None), WebhookEvent.id != event_id,
        WebhookEvent.status.not_in((PROCESSED, IGNORED))))
    about = [row.id for row in rows if _concerns(row.body, orders, emails, customer_id)]
    if about:
        s.execute(update(WebhookEvent).where(WebhookEvent.id.in_(about)).values(
            body=REDACTED_BODY, status=IGNORED, error=REDACTED_ERROR, next_attempt_at=None, locked_until=None))


def redact_shop(*, shop: Shop, keep_event_id: int) -> None:
    """Delete every row of the shop; only the shop/redact delivery itself stays, as the record."""
    s = session()
    s.execute(delete(WebhookEvent).where(WebhookEvent.shop_domain == shop.domain, WebhookEvent.id != keep_event_id))
    s.execute(delete(Shop).where(Shop.id == shop.id))  # children go with it (ON DELETE CASCADE)
    s.expunge(shop)
