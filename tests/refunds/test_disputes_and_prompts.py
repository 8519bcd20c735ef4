"""Disputes become urgent tickets and refund prompts; accepting refunds exactly once."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import Ticket
from shop_plugin.refunds import service as refunds
from tests.chaos.harness import POSTGRES
from tests.support import OTHER_SHOP, SHOP, bearer, fixture, session_token, signed_webhook

NOW = datetime.now(UTC).replace(microsecond=0)


def install(client, shop=SHOP):
    client.get(f"/?shop={shop}&embedded=1&id_token={session_token(shop)}")


def order(order_id=4001, total="80.00", **changes) -> dict:
    payload = fixture("orders_create.rest_fixture.json")
    payload.update(id=order_id, name=f"#{order_id}", total_price=total, financial_status="paid", fulfillments=[],
                   refunds=[], created_at=(NOW - timedelta(days=3)).isoformat(), updated_at=NOW.isoformat(),
                   admin_graphql_api_id=f"gid://shopify/Order/{order_id}")
    payload.update(changes)
    return payload


def dispute(kind="inquiry", status="needs_response", order_id=4001, dispute_id=77, initiated=None) -> dict:
    return dict(fixture("disputes_create.rest_fixture.json"), id=dispute_id, order_id=order_id, type=kind,
                status=status, amount="80.00", evidence_due_by=(NOW + timedelta(days=7)).isoformat(),
                initiated_at=(initiated or NOW).isoformat())


def tickets(app):
    with app.app_context():
        return list(session().scalars(select(Ticket).order_by(Ticket.id)))


def prompts(client, shop=SHOP):
    return client.get("/api/refund-prompts", headers=bearer(shop)).json["prompts"]


def test_an_inquiry_opens_an_urgent_ticket_due_at_the_evidence_deadline_and_a_prompt(app, client):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    [ticket] = tickets(app)
    assert (ticket.reason, ticket.priority, ticket.subject) == ("inquiry", "urgent", "dispute:77")
    assert abs((ticket.resolution_due_at - (NOW + timedelta(days=7))).total_seconds()) < 1
    [prompt] = prompts(client)
    assert (prompt["trigger"], prompt["recommended"], prompt["amount"]) == ("inquiry", "partial_refund", "24.00")
    assert prompt["expected_chargeback_cost"] == "63.00" and "0.60 × (80.00 + 15.00 + 10.00)" in prompt[
        "rationale"]["formula"]
    assert prompt["order_name"] == "#4001" and prompt["status"] == "pending"


def test_a_decided_dispute_closes_its_ticket_with_a_note(app, client):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute(kind="chargeback"))
    signed_webhook(client, "disputes/update", dispute(kind="chargeback", status="won"),
                   **{"X-Shopify-Triggered-At": (NOW + timedelta(days=1)).isoformat()})
    [ticket] = tickets(app)
    assert ticket.status == "closed"
    notes = client.get(f"/api/tickets/{ticket.id}", headers=bearer()).json["messages"]
    assert "won" in notes[-1]["body"]


def test_a_dispute_without_an_order_still_gets_one_ticket(app, client):
    install(client)
    for _ in range(2):
        signed_webhook(client, "disputes/create", dispute(order_id=None, dispute_id=78))
    [ticket] = tickets(app)
    assert ticket.order_shopify_id is None and ticket.subject == "dispute:78"
    assert prompts(client) == []


def test_accepting_refunds_once_even_with_eight_concurrent_clicks(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    prompt_id = prompts(client)[0]["id"]
    barrier, answers = threading.Barrier(8), []

    def click():
        local = app.test_client()
        barrier.wait()
        answers.append(local.post(f"/api/refund-prompts/{prompt_id}/accept", json={}, headers=bearer()))

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_shopify.graphql_calls("refundCreate")) == 1
    assert {a.status_code for a in answers} <= {200, 409}
    assert any(a.status_code == 200 and a.json["status"] == "refunded" for a in answers)
    assert prompts(client)[0]["status"] == "refunded"
    again = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={}, headers=bearer())
    assert again.json["status"] == "refunded" and len(fake_shopify.graphql_calls("refundCreate")) == 1


def test_a_crash_after_the_call_is_healed_by_the_webhook_and_retries_reuse_the_key(app, client, fake_shopify,
                                                                                   monkeypatch):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    prompt_id = prompts(client)[0]["id"]
    monkeypatch.setattr(refunds, "complete", lambda *a, **k: (_ for _ in ()).throw(SystemExit("worker killed")))
    try:
        client.post(f"/api/refund-prompts/{prompt_id}/accept", json={}, headers=bearer())
    except SystemExit:
        pass
    monkeypatch.undo()
    assert prompts(client)[0]["status"] == "accepted"
    refund = dict(fixture("refunds_create.rest_fixture.json"), id=901, order_id=4001,
                  note=f"ShipPromise refund prompt #{prompt_id}. ")
    signed_webhook(client, "refunds/create", refund)
    assert prompts(client)[0]["status"] == "refunded"
    assert len(fake_shopify.refunds_by_key) == 1


def refund_keys(fake_shopify) -> list[str]:
    return [c["query"].split('key: "')[1].split('"')[0] for c in fake_shopify.graphql_calls("refundCreate")]


def test_a_refusal_fails_the_prompt_and_the_retry_is_a_new_request_with_a_new_key(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    prompt_id = prompts(client)[0]["id"]
    refused = {"data": {"refundCreate": {"refund": None, "userErrors": [{"field": None, "message": "Declined"}]}}}
    fake_shopify.graphql_replies.extend([httpx.Response(200, json={"data": {"order": {"transactions": []}}}),
                                         httpx.Response(200, json=refused)])
    first = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={}, headers=bearer())
    assert first.status_code == 502 and first.json["status"] == "failed" and "Declined" in first.json["error"]
    second = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={"amount": "40.00"}, headers=bearer())
    assert second.json["status"] == "refunded"
    first_key, second_key = refund_keys(fake_shopify)
    assert first_key != second_key  # Shopify made no refund under the first: a reused key could replay "Declined"


def test_after_an_unknown_outcome_only_the_same_request_is_retried_under_the_same_key(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    prompt_id = prompts(client)[0]["id"]
    fake_shopify.graphql_replies.extend([httpx.Response(200, json={"data": {"order": {"transactions": []}}}),
                                         httpx.Response(503)])  # did Shopify refund? nobody knows
    first = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={"amount": "30.00", "note": "late"},
                        headers=bearer())
    assert first.json["status"] == "failed"
    changed = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={"amount": "45.00"}, headers=bearer())
    assert changed.status_code == 409 and "may already be on its way" in changed.json["error"]
    again = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={}, headers=bearer())
    assert again.json["status"] == "refunded"
    first_key, second_key = refund_keys(fake_shopify)
    assert first_key == second_key
    [_, retry] = fake_shopify.graphql_calls("refundCreate")
    assert retry["variables"]["input"]["transactions"][0]["amount"] == "30.00"
    assert retry["variables"]["input"]["note"].endswith(". late")


def test_throttling_fails_clearly_and_is_retryable(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    prompt_id = prompts(client)[0]["id"]
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    fake_shopify.graphql_replies.append(httpx.Response(200, json=throttled))
    response = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={}, headers=bearer())
    assert response.status_code == 502 and "throttled" in response.json["error"] and response.json["retryable"]


def test_amounts_are_checked_and_partial_refunds_allowed(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    prompt_id = prompts(client)[0]["id"]
    assert client.post(f"/api/refund-prompts/{prompt_id}/accept", json={"amount": "500"},
                       headers=bearer()).status_code == 422
    assert client.post(f"/api/refund-prompts/{prompt_id}/accept", json={"amount": "abc"},
                       headers=bearer()).status_code == 422
    cents = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={"amount": "12.345"}, headers=bearer())
    assert cents.status_code == 422 and "decimals" in cents.json["error"]  # never refunded as 12.34
    over = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={"amount": "500"}, headers=bearer()).json
    assert over["error"].endswith("at most 80.00")  # in the currency's decimals
    ok = client.post(f"/api/refund-prompts/{prompt_id}/accept", json={"amount": "12.50"}, headers=bearer())
    assert ok.json["status"] == "refunded"
    [call] = fake_shopify.graphql_calls("refundCreate")
    assert call["variables"]["input"]["transactions"][0]["amount"] == "12.50"


def test_dismissing_and_shop_isolation(app, client):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    prompt_id = prompts(client)[0]["id"]
    assert client.post(f"/api/refund-prompts/{prompt_id}/dismiss", json={"reason": "tracking shows delivered"},
                       headers=bearer(OTHER_SHOP)).status_code == 404
    assert client.post(f"/api/refund-prompts/{prompt_id}/dismiss", json={"reason": "delivered"},
                       headers=bearer()).json["status"] == "dismissed"
    assert client.post(f"/api/refund-prompts/{prompt_id}/accept", json={}, headers=bearer()).status_code == 409
    assert prompts(client, OTHER_SHOP) == []
    assert client.get("/api/refund-prompts?status=dismissed", headers=bearer()).json["prompts"][0]["id"] == prompt_id


def test_the_dispute_ratio_counts_the_month_in_the_shops_time_zone(app, client):
    install(client)
    client.put("/api/settings", json={"timezone": "Asia/Seoul"}, headers=bearer())
    for n in range(4):
        signed_webhook(client, "orders/create", order(5000 + n, created_at="2026-10-15T12:00:00+09:00"))
    # 2026-10-31T20:00Z is already November in Seoul
    signed_webhook(client, "disputes/create", dispute(kind="chargeback", order_id=5000, dispute_id=1,
                                                      initiated=datetime(2026, 10, 31, 10, tzinfo=UTC)))
    signed_webhook(client, "disputes/create", dispute(kind="chargeback", order_id=5001, dispute_id=2,
                                                      initiated=datetime(2026, 10, 31, 20, tzinfo=UTC)))
    october = client.get("/api/disputes/ratio?month=2026-10", headers=bearer()).json
    assert (october["orders"], october["chargebacks"], october["ratio"]) == (4, 1, 0.25)
    ecm = next(h for h in october["headroom"] if h["programme"] == "mastercard_ecm")
    assert ecm["disputes_left"] == 99
    assert client.get("/api/disputes/ratio?month=2026-11", headers=bearer()).json["chargebacks"] == 1
    assert client.get("/api/disputes/ratio?month=2026-13", headers=bearer()).status_code == 400


def test_the_evidence_pack_gathers_promise_timeline_delivery_and_refunds(app, client):
    install(client)
    client.put("/api/settings", json={"policies": {"refund": {"en": "<b>Full</b> refunds within 30 days."}}},
               headers=bearer())
    signed_webhook(client, "orders/create", order(customer_locale="en"))
    shipped = (NOW - timedelta(days=2)).isoformat()
    signed_webhook(client, "fulfillments/create", dict(fixture("fulfillments_create.rest_fixture.json"), id=61,
                                                       order_id=4001, status="success", tracking_company="DHL",
                                                       created_at=shipped, updated_at=shipped))
    signed_webhook(client, "fulfillment_events/create", dict(fixture("fulfillment_events_create.rest_fixture.json"),
                                                             id=62, fulfillment_id=61, order_id=4001,
                                                             status="delivered", city="Louisville",
                                                             happened_at=NOW.isoformat()))
    signed_webhook(client, "refunds/create", dict(fixture("refunds_create.rest_fixture.json"), id=63,
                                                  order_id=4001, note="goodwill"))
    signed_webhook(client, "disputes/create", dispute(kind="chargeback"))
    pack = client.get("/api/disputes/77/evidence", headers={**bearer(), "Accept": "application/json"}).json
    assert pack["dispute"]["type"] == "chargeback" and pack["order"]["name"] == "#4001"
    assert pack["promise"]["text"].startswith("Ships by") and pack["promise"]["shown_at"]
    assert {"kind": "refund", "text": "<b>Full</b> refunds within 30 days."} in pack["promise"]["policies_shown"]
    assert pack["fulfillments"][0]["carrier"] == "DHL" and pack["fulfillments"][0]["timeline"][0]["status"] == \
        "delivered"
    assert pack["delivery"]["place"] == "Louisville" and pack["refunds"][0]["note"] == "goodwill"
    html = client.get("/api/disputes/77/evidence", headers=bearer()).get_data(as_text=True)
    assert "Louisville" in html and "&lt;b&gt;Full&lt;/b&gt;" in html and "<b>Full</b>" not in html
    assert client.get("/api/disputes/77/evidence", headers=bearer(OTHER_SHOP)).status_code == 404


AUTO = {"refund_rules": {"automatic": {"enabled": True, "triggers": ["inquiry"],
                                       "max_order_amount": "100.00", "max_per_day": 1}}}


def test_automatic_refunds_follow_the_merchants_rule_and_caps(app, client, fake_shopify):
    install(client)
    assert client.put("/api/settings", json=AUTO, headers=bearer()).status_code == 200
    signed_webhook(client, "orders/create", order(4001))
    signed_webhook(client, "disputes/create", dispute(order_id=4001, dispute_id=1))
    [done] = prompts(client)
    assert done["status"] == "refunded" and len(fake_shopify.graphql_calls("refundCreate")) == 1
    ticket = client.get("/api/tickets?order_id=4001", headers=bearer()).json["tickets"][0]
    notes = client.get(f"/api/tickets/{ticket['id']}", headers=bearer()).json["messages"]
    assert any("automatically" in n["body"] for n in notes)
    signed_webhook(client, "orders/create", order(4002))
    signed_webhook(client, "disputes/create", dispute(order_id=4002, dispute_id=2))
    capped = next(p for p in prompts(client) if p["order_id"] == 4002)
    assert capped["status"] == "pending" and "limit 1" in capped["error"]
    signed_webhook(client, "orders/create", order(4003, total="500.00"))
    signed_webhook(client, "disputes/create", dispute(order_id=4003, dispute_id=3))
    assert next(p for p in prompts(client) if p["order_id"] == 4003)["status"] == "pending"
    assert len(fake_shopify.graphql_calls("refundCreate")) == 1


def test_automatic_refund_settings_are_validated(client):
    bad = {"refund_rules": {"automatic": {"enabled": "yes", "triggers": ["whim"], "max_per_day": -1}}}
    errors = client.put("/api/settings", json=bad, headers=bearer()).json["errors"]
    assert {"refund_rules.automatic.enabled", "refund_rules.automatic.triggers",
            "refund_rules.automatic.max_per_day"} <= set(errors)


@POSTGRES
def test_two_prompts_raised_at_once_for_one_order_leave_one_pending_and_no_error(app, client, monkeypatch):
    from shop_plugin.extensions import session as db_session
    from shop_plugin.orders.models import Order
    from shop_plugin.promises import service as promises
    from shop_plugin.shops import service as shops

    install(client)
    signed_webhook(client, "orders/create", order())
    first_inside, let_go, outcomes = threading.Event(), threading.Event(), {}
    real_note = refunds.tickets.note_open_tickets

    def slow_first(*args, **kwargs):  # the first raiser stops after its insert, before it commits
        if threading.current_thread().name == "customer_intent":
            first_inside.set()
            let_go.wait(10)
        return real_note(*args, **kwargs)

    monkeypatch.setattr(refunds.tickets, "note_open_tickets", slow_first)

    def raise_one(trigger):
        with app.app_context():
            s = db_session()
            shop = shops.get(domain=SHOP)
            order_row = s.scalars(select(Order).where(Order.shop_id == shop.id, Order.shopify_id == 4001)).one()
            try:
                settings, _ = promises.get_settings(s, shop=shop)
                outcomes[trigger] = refunds.raise_prompt(s, shop=shop, order=order_row, trigger=trigger,
                                                         settings=settings, now=NOW)
                s.commit()
            except Exception as exc:  # noqa: BLE001 - the test reports it
                outcomes[trigger] = exc

    first = threading.Thread(target=raise_one, args=("customer_intent",), name="customer_intent")
    second = threading.Thread(target=raise_one, args=("repeated_contact",), name="repeated_contact")
    first.start()
    assert first_inside.wait(10)
    second.start()
    second.join(1.0)
    let_go.set()
    first.join(10)
    second.join(10)
    assert isinstance(outcomes["customer_intent"], int) and outcomes["repeated_contact"] is None
    assert [p["trigger"] for p in prompts(client)] == ["customer_intent"]


def test_the_evidence_pack_marks_an_automatic_reply_as_no_word_from_the_customer(app, client):
    from shop_plugin.helpdesk.models import AUTO_REPLY, TicketEntry

    install(client)
    signed_webhook(client, "orders/create", order(customer_locale="en"))
    signed_webhook(client, "disputes/create", dispute(kind="chargeback"))
    with app.app_context():
        [ticket] = tickets(app)
        for body, source in (("I am out of the office until Monday.", AUTO_REPLY), ("I never got it.", None)):
            session().add(TicketEntry(shop_id=ticket.shop_id, ticket_id=ticket.id, kind="inbound", author="Buyer",
                                      body=body, source=source, email_from=order()["email"],
                                      created_at=datetime.now(UTC)))
        session().commit()
    pack = client.get("/api/disputes/77/evidence", headers={**bearer(), "Accept": "application/json"}).json
    marked = {m["body"]: m.get("automatic", False) for m in pack["messages"]}
    assert marked == {"I am out of the office until Monday.": True, "I never got it.": False}
    html = client.get("/api/disputes/77/evidence", headers=bearer()).get_data(as_text=True)
    assert "from customer (automatic reply)" in html


def test_a_dispute_ticket_speaks_the_orders_language(app, client):
    """Its acknowledgement, survey and reply subjects go out in the buyer's language, as a delay
    ticket's do."""
    install(client)
    signed_webhook(client, "orders/create", order(customer_locale="ko-KR"))
    signed_webhook(client, "disputes/create", dispute(kind="inquiry"))
    [ticket] = tickets(app)
    assert (ticket.subject, ticket.locale) == ("dispute:77", "ko")
