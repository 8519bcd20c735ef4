"""GET /api/tickets/<id> and story.for_ticket: the conversation, the order's story oldest first, the
customer's history, the pending refund prompt and the rating; nothing from another shop."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shop_plugin.extensions import session
from shop_plugin.helpdesk import service, story
from shop_plugin.notify.models import Notice
from shop_plugin.orders.models import Dispute, Fulfillment, FulfillmentEvent, Refund
from shop_plugin.promises.models import OrderPromise
from shop_plugin.refunds.models import RefundPrompt
from shop_plugin.shops import service as shops
from tests.helpdesk_api import rows
from tests.helpdesk_api.rows import NOW
from tests.support import OTHER_SHOP, SHOP, bearer

DAY = timedelta(days=1)


def story_rows(app, order_id: int) -> None:
    """The order's events, written out of time order on purpose."""
    with app.app_context():
        s, shop_id = session(), shops.get_or_create(domain=SHOP).id
        keyed = {"shop_id": shop_id, "order_shopify_id": order_id}
        s.add_all([
            Refund(**keyed, shopify_id=1, amount=Decimal("20.00"), currency="USD", created_at=NOW - 1 * DAY),
            FulfillmentEvent(shop_id=shop_id, shopify_id=2, fulfillment_shopify_id=70, order_shopify_id=order_id,
                             status="in_transit", city="Incheon", happened_at=NOW - 5 * DAY),
            FulfillmentEvent(shop_id=shop_id, shopify_id=3, fulfillment_shopify_id=70, order_shopify_id=order_id,
                             status="delayed", happened_at=None),
            Fulfillment(**keyed, shopify_id=70, status="success", tracking_company="DHL", tracking_numbers=["DH1"],
                        tracking_urls=[], created_at=NOW - 6 * DAY),
            OrderPromise(**keyed, ship_from=date(2026, 1, 1), ship_by=date(2026, 1, 3), deliver_from=date(2026, 1, 8),
                         deliver_to=date(2026, 1, 12), adjustments=[], locale="en", text="Arrives Jan 8-12",
                         policies=[], computed_at=NOW - 9 * DAY),
            Notice(**keyed, reason="in_transit_stalled", locale="en", status="sent", created_at=NOW - 3 * DAY,
                   sent_at=NOW - 3 * DAY),
            Dispute(**keyed, shopify_id=77, type="chargeback", reason="product_not_received", status="needs_response",
                    amount=Decimal("80.00"), currency="USD", initiated_at=NOW - 2 * DAY),
            RefundPrompt(**keyed, trigger="chargeback", recommended="full_refund", amount=Decimal("80.00"),
                         currency="USD", expected_chargeback_cost=Decimal("95.00"), rationale={"formula": "x"},
                         status="pending", created_at=NOW - 2 * DAY),
        ])
        s.commit()


def document(app, ticket_id: int) -> dict:
    with app.app_context():
        shop = shops.get(domain=SHOP)
        return story.for_ticket(session(), shop=shop, ticket=service.get(session(), shop=shop, ticket_id=ticket_id),
                                now=NOW)


def test_the_timeline_tells_the_orders_story_oldest_first(app):
    rows.order(app, 5001, created_at=NOW - 10 * DAY)
    ticket_id = rows.ticket(app, order_shopify_id=5001, reason="chargeback")
    story_rows(app, 5001)
    timeline = document(app, ticket_id)["timeline"]
    assert [item["kind"] for item in timeline] == [
        "placed", "promise", "fulfillment", "carrier_event", "notice", "dispute", "refund_prompt", "refund",
        "carrier_event"]
    assert timeline[-1]["at"] is None and timeline[-1]["details"]["status"] == "delayed"
    assert timeline[1]["details"]["deliver_to"] == "2026-01-12" and "2026-01-03" in timeline[1]["label"]
    assert timeline[2]["label"] == "Shipped with DHL (tracking DH1)"
    assert timeline[3]["label"] == "Carrier: in transit in Incheon"
    assert timeline[7]["details"]["amount"] == "20.00"


def test_a_ticket_without_an_order_has_an_empty_timeline_and_no_prompt(app):
    ticket_id = rows.ticket(app, customer_email="kim@example.com", customer_name="Kim")
    doc = document(app, ticket_id)
    assert doc["timeline"] == [] and doc["refund_prompt"] is None and doc["csat"] is None
    assert doc["customer"] == {"email": "kim@example.com", "name": "Kim", "other_orders": [], "other_tickets": []}


def test_the_customer_panel_lists_their_other_orders_and_tickets(app):
    rows.order(app, 5001, email="kim@example.com", customer_name="Kim Min")
    rows.order(app, 5002, email="kim@example.com", created_at=NOW - DAY, cancelled_at=NOW)
    rows.order(app, 5003, email="kim@example.com", created_at=NOW - 2 * DAY, fulfillment_status="fulfilled")
    rows.order(app, 5004, email="someone@example.com")
    rows.order(app, 5005, email="kim@example.com", shop=OTHER_SHOP)
    current = rows.ticket(app, order_shopify_id=5001)
    same_order = rows.ticket(app, order_shopify_id=5001, reason="late_dispatch")
    by_email = rows.ticket(app, customer_email="kim@example.com", status="resolved")
    rows.ticket(app, customer_email="kim@example.com", shop=OTHER_SHOP)
    rows.ticket(app, customer_email="someone@example.com")
    customer = document(app, current)["customer"]
    assert (customer["email"], customer["name"]) == ("kim@example.com", "Kim Min")
    assert [(o["id"], o["status"]) for o in customer["other_orders"]] == [(5002, "cancelled"), (5003, "fulfilled")]
    assert [t["id"] for t in customer["other_tickets"]] == [by_email, same_order]


def test_the_api_answers_with_messages_attachments_prompt_and_rating(app, client):
    rows.order(app, 5001)
    ticket_id = rows.ticket(app, order_shopify_id=5001, csat_rating=4, csat_comment="Quick", csat_at=NOW)
    story_rows(app, 5001)
    inbound = rows.entry(app, ticket_id, body="Where is it?")
    rows.attachment(app, inbound, "label.pdf")
    rows.entry(app, ticket_id, kind="reply", body="On its way", author="Mina", delivery_status="sent")
    rows.entry(app, ticket_id, kind="note", body="Asked DHL", author="Mina")
    body = client.get(f"/api/tickets/{ticket_id}", headers=bearer()).json
    first, reply, note = body["messages"]
    assert first["attachments"] == [{"id": 1, "filename": "label.pdf", "content_type": "image/jpeg", "size": 3}]
    assert (reply["kind"], reply["delivery_status"], reply["attachments"]) == ("reply", "sent", [])
    assert (note["kind"], note["delivery_status"]) == ("note", None)
    assert body["refund_prompt"]["order_name"] == "#5001" and body["refund_prompt"]["amount"] == "80.00"
    assert body["csat"] == {"rating": 4, "comment": "Quick", "at": NOW.isoformat().replace("+00:00", "Z")}
    assert body["order_name"] == "#5001" and len(body["timeline"]) == 9


def test_another_shops_ticket_is_not_found(app, client):
    theirs = rows.ticket(app, shop=OTHER_SHOP)
    assert client.get(f"/api/tickets/{theirs}", headers=bearer()).status_code == 404
    assert client.get(f"/api/tickets/{theirs}", headers=bearer(OTHER_SHOP)).status_code == 200
    assert client.get("/api/tickets/99999999999", headers=bearer()).json == {
        "error": client.get("/api/tickets/12345", headers=bearer()).json["error"]}
