"""flask events list / replay / sweep: what an operator sees and can re-run."""
from __future__ import annotations

from tests.support import fixture, signed_webhook


def test_events_list_shows_status_and_error(app, client):
    signed_webhook(client, "orders/create", fixture("orders_create.rest_fixture.json"))
    signed_webhook(client, "orders/create", b"{broken")
    out = app.test_cli_runner().invoke(args=["events", "list"]).output
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].split("\t")[1] == "failed" and "not valid JSON" in lines[0]
    assert lines[1].split("\t")[1] == "processed"
    failed_only = app.test_cli_runner().invoke(args=["events", "list", "--status", "failed"]).output
    assert len(failed_only.strip().splitlines()) == 1


def test_events_replay_reruns_one_event(app, client):
    signed_webhook(client, "orders/create", fixture("orders_create.rest_fixture.json"))
    out = app.test_cli_runner().invoke(args=["events", "replay", "1"]).output
    assert out.strip() == "1: processed"
    assert "not found" in app.test_cli_runner().invoke(args=["events", "replay", "999"]).output
