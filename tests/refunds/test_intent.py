"""Customers who speak of refunds or the bank, or write again and again, raise a refund prompt."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import Ticket, TicketEntry
from shop_plugin.refunds import intent
from shop_plugin.refunds import service as refunds
from shop_plugin.refunds.cost import DEFAULT_REFUND_RULES
from shop_plugin.shops.models import Shop
from tests.refunds.test_disputes_and_prompts import NOW, install, order
from tests.support import OTHER_SHOP, SHOP, bearer, signed_webhook


@pytest.mark.parametrize("text", [
    "Hi, I have not received my order and I want a REFUND.",
    "My parcel NEVER arrived",
    "I will open a PayPal   claim tomorrow",
    "Calling my bank about this.",
    "This is a chargeback warning",
    "ｒｅｆｕｎｄ please",  # full-width letters, folded by NFKC
    "아직 못 받았어요",
    "환불해 주세요",
    "배송안됨 상태입니다",  # the phrase written without its spaces
    "카드사에 이의 제기하겠습니다",
    "Pesanan saya belum sampai",
    "Saya minta pengembalian dana",
    "Saya akan hubungi BANK saya",
    "Ini sengketa",
])
def test_intent_is_found_in_english_korean_and_indonesian(text):
    assert intent.shows_intent(text)


@pytest.mark.parametrize("text", [
    "Where is my parcel? Thanks!",
    "We met at the riverbank",  # "bank" only as a whole word
    "배송 잘 받았습니다, 감사합니다",
    "Terima kasih, paket sudah diterima",
    "",
])
def test_ordinary_messages_show_no_intent(text):
    assert not intent.shows_intent(text)


def setup(client, shop=SHOP, order_id=4001):
    install(client, shop)
    signed_webhook(client, "orders/create", order(order_id), shop=shop)


def new_ticket(app, order_id: int | None = 4001, shop=SHOP, reason="customer_message") -> int:
    with app.app_context():
        s = session()
        shop_id = s.scalar(select(Shop.id).where(Shop.domain == shop))
        ticket = Ticket(shop_id=shop_id, order_shopify_id=order_id, reason=reason, status="open",
                        subject=f"order:{order_id}" if order_id else "customer:abc", tags=[], created_at=NOW,
                        updated_at=NOW)
        s.add(ticket)
        s.commit()
        return ticket.id


BUYER = "bob.norman@hostmail.com"  # the fixture order's email


def message(app, ticket_id: int, body: str, at=NOW, kind="inbound", sender=BUYER, verified=None) -> None:
    """Store a message on the ticket and call the hook, as the inbound mail and contact form code does."""
    with app.app_context():
        s = session()
        ticket = s.get(Ticket, ticket_id)
        shop = s.get(Shop, ticket.shop_id)
        entry = TicketEntry(shop_id=shop.id, ticket_id=ticket.id, kind=kind, author="customer", body=body,
                            email_from=sender, sender_verified=verified, created_at=at)
        s.add(entry)
        intent.on_customer_message(s, shop=shop, ticket=ticket, entry=entry, now=at)
        s.commit()


def prompts(client, shop=SHOP):
    return client.get("/api/refund-prompts", headers=bearer(shop)).json["prompts"]


def test_a_message_with_chargeback_intent_raises_one_prompt(app, client):
    setup(client)
    ticket_id = new_ticket(app)
    message(app, ticket_id, "I still have not received it. I'll ask my bank for a chargeback.")
    [prompt] = prompts(client)
    assert (prompt["trigger"], prompt["status"], prompt["order_id"]) == ("customer_intent", "pending", 4001)
    assert prompt["rationale"]["probability"] == DEFAULT_REFUND_RULES["probabilities"]["customer_intent"]
    notes = client.get(f"/api/tickets/{ticket_id}", headers=bearer()).json["messages"]
    assert any("customer_intent" in n["body"] for n in notes)
    message(app, ticket_id, "환불해 주세요", at=NOW + timedelta(hours=1))
    assert len(prompts(client)) == 1


def test_only_the_buyers_own_address_speaks_for_the_order(app, client):
    setup(client)
    ticket_id = new_ticket(app)
    for n, sender in enumerate(("stranger@example.net", None, "stranger@example.net")):
        message(app, ticket_id, "Refund this order or I call my bank", at=NOW + timedelta(minutes=n), sender=sender)
    assert prompts(client) == []
    message(app, ticket_id, "Refund please", at=NOW + timedelta(hours=1), sender=BUYER.upper())
    assert [p["trigger"] for p in prompts(client)] == ["customer_intent"]


def test_the_third_message_within_seven_days_raises_a_repeated_contact_prompt(app, client):
    setup(client)
    first, second = new_ticket(app), new_ticket(app, reason="past_promise")
    message(app, first, "Where is my order?", at=NOW - timedelta(days=6))
    message(app, first, "We have added tracking", at=NOW - timedelta(days=5), kind="reply")
    message(app, first, "Internal: supplier chased", at=NOW - timedelta(days=5), kind="note")
    message(app, second, "Any news?", at=NOW - timedelta(days=3))  # replies and notes are not the customer's
    assert prompts(client) == []
    message(app, first, "Hello again?", at=NOW)
    [prompt] = prompts(client)
    assert prompt["trigger"] == "repeated_contact"
    assert prompt["rationale"]["probability"] == DEFAULT_REFUND_RULES["probabilities"]["repeated_contact"]


def test_messages_older_than_seven_days_or_about_other_orders_do_not_count(app, client):
    setup(client)
    signed_webhook(client, "orders/create", order(4002))
    setup(client, OTHER_SHOP)
    ours, other_order, other_shop = new_ticket(app), new_ticket(app, 4002), new_ticket(app, shop=OTHER_SHOP)
    message(app, ours, "Where is my order?", at=NOW - timedelta(days=8))
    message(app, other_order, "And this one?", at=NOW - timedelta(days=1))
    message(app, other_shop, "Hello?", at=NOW - timedelta(days=1))
    message(app, other_shop, "Hello??", at=NOW - timedelta(hours=5))
    message(app, ours, "Any news?", at=NOW - timedelta(days=1))
    message(app, ours, "Hello?", at=NOW)
    assert prompts(client) == [] and prompts(client, OTHER_SHOP) == []


def test_each_trigger_prompts_once_per_order(app, client):
    setup(client)
    ticket_id = new_ticket(app)
    message(app, ticket_id, "I want a refund", at=NOW - timedelta(days=2))
    [first] = prompts(client)
    client.post(f"/api/refund-prompts/{first['id']}/dismiss", json={"reason": "answered"}, headers=bearer())
    message(app, ticket_id, "Refund now please", at=NOW - timedelta(days=1))
    assert [p["trigger"] for p in prompts(client)] == ["customer_intent"]
    message(app, ticket_id, "Refund!!", at=NOW)  # the third message: a different trigger
    assert [p["trigger"] for p in prompts(client)] == ["repeated_contact", "customer_intent"]


def test_a_ticket_without_an_order_or_a_refunded_order_prompts_nothing(app, client):
    setup(client)
    signed_webhook(client, "orders/create", order(4003, financial_status="refunded"))
    message(app, new_ticket(app, None), "Refund or I call my bank")
    message(app, new_ticket(app, 4003), "Refund or I call my bank")
    message(app, new_ticket(app, 9999), "Refund or I call my bank")  # an order we never saw
    assert prompts(client) == []


def test_the_hook_runs_inside_the_callers_transaction(app, client):
    setup(client)
    ticket_id = new_ticket(app)
    with app.app_context():
        s = session()
        ticket = s.get(Ticket, ticket_id)
        shop = s.get(Shop, ticket.shop_id)
        entry = TicketEntry(shop_id=shop.id, ticket_id=ticket_id, kind="inbound", body="chargeback", created_at=NOW)
        s.add(entry)
        intent.on_customer_message(s, shop=shop, ticket=ticket, entry=entry, now=NOW)
        s.rollback()
        assert refunds.get_all(s, shop=shop) == []


def test_a_failed_prompt_holds_back_new_ones_until_it_is_dismissed(app, client, fake_shopify):
    import httpx

    setup(client)
    ticket_id = new_ticket(app)
    message(app, ticket_id, "I want a refund", at=NOW - timedelta(days=2))
    [first] = prompts(client)
    refused = {"data": {"refundCreate": {"refund": None, "userErrors": [{"field": None, "message": "Declined"}]}}}
    fake_shopify.graphql_replies.extend([httpx.Response(200, json={"data": {"order": {"transactions": []}}}),
                                         httpx.Response(200, json=refused)])
    assert client.post(f"/api/refund-prompts/{first['id']}/accept", json={}, headers=bearer()).json["status"] == \
        "failed"
    message(app, ticket_id, "Hello?", at=NOW - timedelta(days=1))
    message(app, ticket_id, "Hello??", at=NOW)  # a third message: repeated_contact, held back
    assert [p["trigger"] for p in prompts(client)] == ["customer_intent"]
    client.post(f"/api/refund-prompts/{first['id']}/dismiss", json={"reason": "refunded by hand"}, headers=bearer())
    message(app, ticket_id, "Still nothing", at=NOW + timedelta(minutes=1))
    assert [p["trigger"] for p in prompts(client)] == ["repeated_contact", "customer_intent"]


def test_the_evidence_pack_marks_as_the_customers_only_what_came_from_the_orders_address(app, client):
    """Anyone can write naming an order number: a stranger's words must not reach the bank as the
    cardholder's."""
    from tests.refunds.test_disputes_and_prompts import dispute

    setup(client)
    ticket_id = new_ticket(app)
    message(app, ticket_id, "Still waiting for my parcel.")
    message(app, ticket_id, "I got the parcel, I just want my money back anyway.", sender="mallory@evil.test")
    message(app, ticket_id, "Forged in the buyer's name.", verified=False)  # the provider's DMARC check failed
    signed_webhook(client, "disputes/create", dispute(kind="chargeback"))
    pack = client.get("/api/disputes/77/evidence", headers={**bearer(), "Accept": "application/json"}).json
    said = {m["body"]: (m["direction"], m.get("address")) for m in pack["messages"]}
    assert said["Still waiting for my parcel."] == ("from customer", None)
    assert said["I got the parcel, I just want my money back anyway."] == ("from a third party", "mallory@evil.test")
    assert said["Forged in the buyer's name."] == ("from a third party", BUYER)
    html = client.get("/api/disputes/77/evidence", headers=bearer()).get_data(as_text=True)
    assert "from a third party (mallory@evil.test)" in html
