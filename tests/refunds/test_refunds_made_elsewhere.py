"""A refund made outside the app (Shopify admin, another app) leaves less to refund: prompts follow."""
from __future__ import annotations

from tests.refunds.test_disputes_and_prompts import dispute, install, order, prompts
from tests.support import bearer, fixture, signed_webhook


def prompted(client) -> None:
    """Order 4001 of 67.00, and a refund prompt raised for it by an inquiry."""
    install(client)
    signed_webhook(client, "orders/create", order(total="67.00"))
    signed_webhook(client, "disputes/create", dispute())


def elsewhere(amount: str, refund_id: int = 951) -> dict:
    """A refund of order 4001 made in the Shopify admin, as Shopify shows it."""
    refund = fixture("refunds_create.rest_fixture.json")
    refund.update(id=refund_id, order_id=4001, note="refunded from the Shopify admin",
                  transactions=[dict(refund["transactions"][0], order_id=4001, amount=amount)])
    return refund


def refunded_elsewhere(client, amount: str, refund_id: int = 951) -> None:
    signed_webhook(client, "refunds/create", elsewhere(amount, refund_id))


def reassessments(client) -> int:
    """How many times the order's ticket says its prompt was assessed again."""
    ticket = client.get("/api/tickets?order_id=4001", headers=bearer()).json["tickets"][0]
    lines = [m["body"] for m in client.get(f"/api/tickets/{ticket['id']}", headers=bearer()).json["messages"]]
    return sum("assessed again" in line for line in lines)


def test_a_prompt_never_recommends_more_than_is_left_to_refund(app, client, fake_shopify):
    prompted(client)
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
    prompted(client)
    refunded_elsewhere(client, "67.00")
    [prompt] = prompts(client)
    assert prompt["status"] == "dismissed" and "nothing is left to refund" in prompt["note"]


def test_a_refund_seen_only_inside_an_order_update_is_followed_up_as_refunds_create_would_be(app, client):
    """refunds/create never came (dropped, or the order reached us by reconciliation): the order's own
    refunds list carries the refund, and the prompt follows it all the same, once."""
    prompted(client)
    updated = order(total="67.00", refunds=[elsewhere("60.00", 952)], updated_at="2030-01-01T00:00:00Z")
    signed_webhook(client, "orders/updated", updated)
    [prompt] = prompts(client)
    assert prompt["status"] == "pending" and prompt["amount"] == "7.00"
    signed_webhook(client, "orders/updated", {**updated, "updated_at": "2030-01-02T00:00:00Z"})
    assert reassessments(client) == 1


def test_a_refund_seen_in_an_order_update_and_then_in_refunds_create_is_followed_up_once(app, client):
    prompted(client)
    refund = elsewhere("60.00", 953)
    signed_webhook(client, "orders/updated", order(total="67.00", refunds=[refund], updated_at="2030-01-01T00:00:00Z"))
    signed_webhook(client, "refunds/create", refund)
    assert reassessments(client) == 1
    [prompt] = prompts(client)
    assert prompt["amount"] == "7.00"
