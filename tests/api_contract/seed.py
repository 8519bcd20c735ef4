"""A shop with some of everything the API shows: orders with a promise, shipments and carrier
events, a dispute with its ticket and refund prompt, customer tickets, staff, messages, canned
replies; and a second shop, so answers can prove they stay within one."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import Ticket
from shop_plugin.shops import service as shops
from tests.support import OTHER_SHOP, SHOP, bearer, fixture, session_token, signed_webhook

NOW = datetime.now(UTC).replace(microsecond=0)


def order(order_id: int, **changes) -> dict:
    payload = fixture("orders_create.rest_fixture.json")
    payload.update(id=order_id, name=f"#{order_id}", total_price="80.00", financial_status="paid", fulfillments=[],
                   refunds=[], email=f"buyer{order_id}@example.com",
                   created_at=(NOW - timedelta(days=3)).isoformat(), updated_at=NOW.isoformat(),
                   admin_graphql_api_id=f"gid://shopify/Order/{order_id}")
    payload.update(changes)
    return payload


def shipment(client, order_id: int, shop: str = SHOP) -> None:
    at = (NOW - timedelta(days=2)).isoformat()
    signed_webhook(client, "fulfillments/create", dict(
        fixture("fulfillments_create.rest_fixture.json"), id=order_id * 10, order_id=order_id, status="success",
        tracking_company="DHL", created_at=at, updated_at=at), shop=shop)
    signed_webhook(client, "fulfillment_events/create", dict(
        fixture("fulfillment_events_create.rest_fixture.json"), id=order_id * 100, fulfillment_id=order_id * 10,
        order_id=order_id, status="in_transit", happened_at=(NOW - timedelta(days=1)).isoformat()), shop=shop)


def dispute(client, order_id: int, dispute_id: int, shop: str = SHOP) -> None:
    signed_webhook(client, "disputes/create", dict(
        fixture("disputes_create.rest_fixture.json"), id=dispute_id, order_id=order_id, type="inquiry",
        status="needs_response", amount="80.00", evidence_due_by=(NOW + timedelta(days=7)).isoformat(),
        initiated_at=NOW.isoformat()), shop=shop)


def customer_tickets(app, shop: str, count: int) -> None:
    with app.app_context():
        s = session()
        shop_row = shops.get_or_create(domain=shop)
        for n in range(count):
            s.add(Ticket(shop_id=shop_row.id, subject=f"customer:{n}", reason="question", status="open",
                         priority="normal", tags=["question"], customer_email=f"asker{n}@example.com",
                         title=f"Question {n}", created_at=utcnow(), updated_at=utcnow(),
                         first_response_due_at=utcnow() + timedelta(minutes=30 * n),
                         due_at=utcnow() + timedelta(minutes=30 * n)))
        s.commit()


def seed(app) -> None:
    client = app.test_client()
    for shop in (SHOP, OTHER_SHOP):
        client.get(f"/?shop={shop}&embedded=1&id_token={session_token(shop)}")
    for order_id in (4001, 4002, 4003):
        signed_webhook(client, "orders/create", order(order_id))
    signed_webhook(client, "orders/create", order(4009), shop=OTHER_SHOP)
    shipment(client, 4001)
    dispute(client, 4001, 77)
    dispute(client, 4009, 79, shop=OTHER_SHOP)
    customer_tickets(app, SHOP, 3)
    customer_tickets(app, OTHER_SHOP, 1)
    for user in ("42", "43"):
        client.get("/api/staff", headers=bearer(sub=user))
    client.get("/api/staff", headers=bearer(OTHER_SHOP, sub="44"))
    client.post("/api/canned-replies", headers=bearer(),
                json={"title": "Where is my order", "body": "Hi {{ customer.name }}, {{ order.name }} is on its way."})
    client.post("/api/tickets/1/messages", headers=bearer(), json={"kind": "note", "body": "Checked with DHL."})
