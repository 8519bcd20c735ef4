"""Delivery ends the delays that raised refund prompts: those prompts are set aside, others stay."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.delays.test_delay_pipeline import SEOUL, order_payload, scan, setup
from tests.support import bearer, carrier_event, ship, signed_webhook


def shipped_and_late(make_app, smtp_server):
    app, client, _ = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    ship(client, order_id=5001, fulfillment_id=7101)
    deliver_to = client.get("/api/orders/5001", headers=bearer()).json["promise"]["deliver_to"]
    return app, client, datetime.fromisoformat(deliver_to).replace(tzinfo=SEOUL)


def delivered(client) -> None:
    carrier_event(client, order_id=5001, fulfillment_id=7101, event_id=8101, status="delivered")


def prompts(client) -> list[dict]:
    return client.get("/api/refund-prompts", headers=bearer()).json["prompts"]


def test_delivery_sets_aside_a_likely_lost_prompt_with_the_reason(make_app, smtp_server):
    app, client, deliver_to = shipped_and_late(make_app, smtp_server)
    scan(app, deliver_to + timedelta(days=30))
    [prompt] = prompts(client)
    assert prompt["trigger"] == "likely_lost" and prompt["status"] == "pending"
    delivered(client)
    [prompt] = prompts(client)
    assert prompt["status"] == "dismissed" and "delivered" in prompt["note"]
    ticket = client.get("/api/tickets?order_id=5001", headers=bearer()).json["tickets"][0]
    lines = [m["body"] for m in client.get(f"/api/tickets/{ticket['id']}", headers=bearer()).json["messages"]]
    assert any(f"#{prompt['id']}" in line and "set aside" in line for line in lines)


def test_delivery_leaves_a_prompt_raised_by_a_dispute(make_app, smtp_server):
    from tests.refunds.test_disputes_and_prompts import dispute

    app, client, _ = shipped_and_late(make_app, smtp_server)
    signed_webhook(client, "disputes/create", dispute(order_id=5001))
    delivered(client)
    [prompt] = prompts(client)
    assert (prompt["trigger"], prompt["status"]) == ("inquiry", "pending")
