"""Once a chargeback is open, lost or accepted, a refund can no longer avoid it and would pay twice."""
from __future__ import annotations

from datetime import timedelta

from tests.refunds.test_disputes_and_prompts import NOW, dispute, install, order, prompts, tickets
from tests.support import bearer, signed_webhook


def update(client, payload: dict, hours: int = 1) -> None:
    signed_webhook(client, "disputes/update", payload,
                   **{"X-Shopify-Triggered-At": (NOW + timedelta(hours=hours)).isoformat()})


def ticket_lines(client, app) -> list[str]:
    return [m["body"] for t in tickets(app) for m in client.get(f"/api/tickets/{t.id}", headers=bearer()).json[
        "messages"]]


def test_a_chargeback_opening_sets_aside_the_pending_prompt_with_the_reason(app, client):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())  # an inquiry: a refund may still resolve it
    [inquiry] = prompts(client)
    assert inquiry["status"] == "pending"
    signed_webhook(client, "disputes/create", dispute(kind="chargeback", dispute_id=78))
    by_trigger = {p["trigger"]: p for p in prompts(client)}
    assert by_trigger["inquiry"]["status"] == "dismissed"
    assert "chargeback 78" in by_trigger["inquiry"]["note"] and "twice" in by_trigger["inquiry"]["note"]
    assert any(f"#{inquiry['id']}" in line and "set aside" in line for line in ticket_lines(client, app))


def test_a_prompt_raised_during_a_chargeback_recommends_no_refund(app, client):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute(kind="chargeback"))
    [prompt] = prompts(client)
    assert (prompt["trigger"], prompt["recommended"], prompt["amount"]) == ("chargeback_unfulfilled", "wait", "0.00")
    assert "chargeback 77" in prompt["rationale"]["refund_blocked"]
    update(client, dispute(kind="chargeback", status="under_review"))
    assert prompts(client)[0]["status"] == "pending"  # it recommends no refund already


def test_a_lost_chargeback_sets_aside_its_prompt_and_a_stale_accept_refunds_nothing(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute(kind="chargeback"))
    [prompt] = prompts(client)
    update(client, dispute(kind="chargeback", status="lost"))
    [after] = prompts(client)
    assert after["status"] == "dismissed" and "lost" in after["note"]
    stale = client.post(f"/api/refund-prompts/{prompt['id']}/accept", json={"amount": "80.00"}, headers=bearer())
    assert stale.status_code == 422 and "chargeback 77" in stale.json["error"]
    assert fake_shopify.graphql_calls("refundCreate") == []


def test_no_refund_is_made_while_a_chargeback_is_open(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    [inquiry] = prompts(client)
    signed_webhook(client, "disputes/create", dispute(kind="chargeback", dispute_id=78))
    for prompt in prompts(client):
        answer = client.post(f"/api/refund-prompts/{prompt['id']}/accept", json={"amount": "80.00"},
                             headers=bearer())
        assert answer.status_code == 422 and "chargeback 78" in answer.json["error"]
    assert fake_shopify.graphql_calls("refundCreate") == [] and inquiry["id"] in {p["id"] for p in prompts(client)}


def test_a_won_chargeback_leaves_prompts_as_they_are(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute(kind="chargeback"))
    update(client, dispute(kind="chargeback", status="won"))
    [prompt] = prompts(client)
    assert prompt["status"] == "pending"
    answer = client.post(f"/api/refund-prompts/{prompt['id']}/accept", json={"amount": "20.00"}, headers=bearer())
    assert answer.json["status"] == "refunded"


def test_an_inquiry_under_review_keeps_its_refund_prompt(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order())
    signed_webhook(client, "disputes/create", dispute())
    update(client, dispute(status="under_review"))
    [prompt] = prompts(client)
    assert (prompt["status"], prompt["recommended"]) == ("pending", "partial_refund")
    answer = client.post(f"/api/refund-prompts/{prompt['id']}/accept", json={}, headers=bearer())
    assert answer.json["status"] == "refunded"


def test_a_chargeback_cannot_be_made_an_automatic_refund_trigger(client):
    rule = {"refund_rules": {"automatic": {"enabled": True, "triggers": ["inquiry", "chargeback_unfulfilled"]}}}
    response = client.put("/api/settings", json=rule, headers=bearer())
    assert response.status_code == 422
    assert "pay the buyer twice" in response.json["errors"]["refund_rules.automatic.triggers"]
