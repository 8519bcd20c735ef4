"""A refund made outside the app (Shopify admin, another app) leaves less to refund: prompts follow."""
from __future__ import annotations

from tests.refunds.test_disputes_and_prompts import dispute, install, order, prompts
from tests.support import bearer, fixture, signed_webhook


def refunded_elsewhere(client, amount: str, refund_id: int = 951) -> None:
    refund = fixture("refunds_create.rest_fixture.json")
    refund.update(id=refund_id, order_id=4001, note="refunded from the Shopify admin",
                  transactions=[dict(refund["transactions"][0], order_id=4001, amount=amount)])
    signed_webhook(client, "refunds/create", refund)


def test_a_prompt_never_recommends_more_than_is_left_to_refund(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "orders/create", order(total="67.00"))
    signed_webhook(client, "disputes/create", dispute())
    [prompt] = prompts(client)
    assert (prompt["recommended"], prompt["amount"]) == ("partial_refund", "20.10")
    refunded_elsewhere(client, "60.00")
    [prompt] = prompts(client)
    assert prompt["status"] == "pending" and prompt["amount"] == "7.00"
    assert prompt["rationale"]["already_refunded"] == "60.00"
    answer = client.post(f"/api/refund-prompts/{prompt['id']}/accept", json={"amount": prompt["amount"]},
                         headers=bearer())
    assert answer.json["status"] == "refunded"


def test_a_prompt_with_nothing_left_to_refund_is_set_aside(app, client):
    install(client)
    signed_webhook(client, "orders/create", order(total="67.00"))
    signed_webhook(client, "disputes/create", dispute())
    refunded_elsewhere(client, "67.00")
    [prompt] = prompts(client)
    assert prompt["status"] == "dismissed" and "nothing is left to refund" in prompt["note"]


def test_a_refund_seen_only_inside_an_order_update_is_followed_up_as_refunds_create_would_be(app, client):
    """refunds/create never came (dropped, or the order reached us by reconciliation): the order's own
    refunds list carries the refund, and the prompt follows it all the same, once."""
    install(client)
    signed_webhook(client, "orders/create", order(total="67.00"))
    signed_webhook(client, "disputes/create", dispute())
    refund = fixture("refunds_create.rest_fixture.json")
    refund.update(id=952, order_id=4001, note="refunded from the Shopify admin",
                  transactions=[dict(refund["transactions"][0], order_id=4001, amount="60.00")])
    updated = order(total="67.00", refunds=[refund], updated_at="2030-01-01T00:00:00Z")
    signed_webhook(client, "orders/updated", updated)
    [prompt] = prompts(client)
    assert prompt["status"] == "pending" and prompt["amount"] == "7.00"
    signed_webhook(client, "orders/updated", {**updated, "updated_at": "2030-01-02T00:00:00Z"})
    ticket = client.get("/api/tickets?order_id=4001", headers=bearer()).json["tickets"][0]
    lines = [m["body"] for m in client.get(f"/api/tickets/{ticket['id']}", headers=bearer()).json["messages"]]
    assert sum("assessed again" in line for line in lines) == 1
