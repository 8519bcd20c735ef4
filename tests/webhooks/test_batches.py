"""A worker's job of event ids (`processing.process_events`) ends exactly as applying its events one by
one in id order (`process_event`): each case runs both ways and must give the same result."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq.timeouts import JobTimeoutException
from sqlalchemy import select, text

from shop_plugin.events import processing
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.orders.models import Order
from tests.support import SHOP, backdate_install, bearer, fixture, session_token, signed_webhook

BOTH_WAYS = pytest.mark.parametrize("way", ["one by one", "as a job"])


def customer_order(order_id: int) -> dict:
    order = fixture("orders_create.rest_fixture.json")
    order.update(id=order_id, email="john@example.com", name=f"#{order_id}")
    order["customer"] = dict(order["customer"], id=191167, email="john@example.com")
    return order


def left_for_a_worker(event_id: int) -> None:
    """Stands in for process_event while deliveries are stored: nothing is applied inline."""


def stored(client, monkeypatch, deliveries: list[tuple[str, dict, str]]) -> None:
    """Deliveries stored and left for a worker."""
    monkeypatch.setattr(processing, "process_event", left_for_a_worker)
    for topic, payload, webhook_id in deliveries:
        signed_webhook(client, topic, payload, webhook_id=webhook_id)
    monkeypatch.undo()


def apply(app, way: str) -> None:
    with app.app_context():
        todo = list(session().scalars(select(WebhookEvent.id).where(WebhookEvent.status == "received")
                                      .order_by(WebhookEvent.id)))
        if way == "one by one":
            for event_id in todo:
                processing.process_event(event_id)
        else:
            processing.process_events(*todo)


def rows(app, sql: str) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in session().execute(text(sql))]


@BOTH_WAYS
def test_a_customer_redaction_earlier_in_a_job_keeps_a_later_event_of_theirs_from_being_applied(app, client,
                                                                                                monkeypatch, way):
    signed_webhook(client, "orders/create", customer_order(299938))
    event = dict(fixture("fulfillment_events_create.rest_fixture.json"), order_id=299938,
                 city="Louisville", zip="40202", status="delivered")
    stored(client, monkeypatch, [("customers/redact", fixture("customers_redact.json"), "redact"),
                                 ("fulfillment_events/create", event, "carrier")])
    apply(app, way)
    assert rows(app, "SELECT city, zip FROM fulfillment_events") == []
    assert rows(app, "SELECT webhook_id, status FROM webhook_events WHERE webhook_id = 'carrier'") == \
        [("carrier", "ignored")]


@BOTH_WAYS
def test_a_shop_redaction_earlier_in_a_job_is_not_undone_by_a_later_event_of_the_shop(app, client, monkeypatch,
                                                                                     way):
    signed_webhook(client, "orders/create", customer_order(1))
    event = dict(fixture("fulfillment_events_create.rest_fixture.json"), order_id=1, city="Louisville")
    stored(client, monkeypatch, [("shop/redact", fixture("shop_redact.json"), "redact"),
                                 ("fulfillment_events/create", event, "carrier")])
    apply(app, way)
    assert rows(app, "SELECT domain FROM shops") == [] and rows(app, "SELECT city FROM fulfillment_events") == []


@BOTH_WAYS
def test_a_fulfilment_before_its_order_in_one_job_counts_for_the_orders_delay_check(make_app, monkeypatch, way):
    app = make_app()
    client = app.test_client()
    client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token(SHOP)}")
    backdate_install(app, SHOP)
    client.put("/api/settings", json={"timezone": "Asia/Seoul", "origin_country": "KR", "processing_days": [1, 2],
                                      "transit": [{"countries": ["KR"], "days": [2, 3]}],
                                      "email": {"enabled": False, "reply_to": "help@shop.test"}}, headers=bearer())
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    order = fixture("orders_create.rest_fixture.json")
    order.update(id=5001, name="#5001", created_at=created.isoformat(), updated_at=created.isoformat(),
                 email="buyer@example.com", financial_status="paid", fulfillment_status=None, fulfillments=[],
                 refunds=[], cancelled_at=None)
    order["shipping_address"] = dict(order["shipping_address"], country_code="KR")
    shipped = (created + timedelta(days=1)).isoformat()
    fulfilment = dict(fixture("fulfillments_create.rest_fixture.json"), order_id=5001, status="success",
                      created_at=shipped, updated_at=shipped)
    stored(client, monkeypatch, [("fulfillments/create", fulfilment, "f1"), ("orders/create", order, "o1")])
    apply(app, way)
    assert ("late_dispatch",) not in rows(app, "SELECT reason FROM tickets")  # dispatched on time
    assert ("5001:late_dispatch",) not in rows(app, "SELECT key FROM effects WHERE kind = 'delay_notice'")


@BOTH_WAYS
def test_two_events_of_one_order_in_a_job_are_applied_in_their_order(app, client, monkeypatch, way):
    first = dict(fixture("orders_create.rest_fixture.json"), updated_at="2026-11-20T11:00:00Z", tags="first")
    stored(client, monkeypatch, [("orders/create", first, "a"),
                                 ("orders/updated", dict(first, updated_at="2026-11-20T12:00:00Z", tags="second"), "b"),
                                 ("orders/create", dict(first, id=2, name="#2"), "c")])
    apply(app, way)
    with app.app_context():
        tags = session().execute(select(Order.shopify_id, Order.tags).order_by(Order.shopify_id)).all()
    assert [tuple(row) for row in tags] == [(2, ["first"]), (first["id"], ["second"])]
    assert rows(app, "SELECT status, attempts FROM webhook_events ORDER BY id") == [("processed", 1)] * 3


def test_an_outcome_that_cannot_be_recorded_leaves_that_event_to_the_sweeper_and_applies_the_rest(
        app, client, monkeypatch):
    stored(client, monkeypatch, [("refunds/create", fixture("refunds_create.rest_fixture.json"), "refund"),
                                 ("disputes/create", fixture("disputes_create.rest_fixture.json"), "dispute")])
    real = processing._process_claimed

    def commit_fails_for_the_refund(event):
        if event.topic == "refunds/create":
            raise RuntimeError("connection lost")
        return real(event)

    monkeypatch.setattr(processing, "_process_claimed", commit_fails_for_the_refund)
    apply(app, "as a job")
    assert rows(app, "SELECT webhook_id, status FROM webhook_events ORDER BY id") == \
        [("refund", "processing"), ("dispute", "processed")]  # its lease runs out; the sweeper retries it


def test_rqs_job_timeout_ends_the_job_instead_of_being_recorded_as_the_events_failure(app, client, monkeypatch):
    from shop_plugin.delays import service as delays

    stored(client, monkeypatch, [("orders/create", customer_order(n), f"o{n}") for n in (1, 2)])

    def slow(*args, **kwargs):
        raise JobTimeoutException("Task exceeded maximum timeout value (300 seconds)")

    monkeypatch.setattr(delays, "check_orders", slow)
    with pytest.raises(JobTimeoutException):
        apply(app, "as a job")
    assert rows(app, "SELECT status, error FROM webhook_events ORDER BY id") == [("processing", None)] * 2


@BOTH_WAYS
def test_a_redaction_that_lands_while_a_worker_holds_an_event_is_not_undone_by_that_event(app, client, monkeypatch,
                                                                                         way):
    """The worker read the event's body when it claimed it; a `customers/redact` another worker commits
    before this one finishes sets the event aside. The worker's writes from the old body must not
    land: the event's outcome is recorded only while the worker's claim still stands."""
    from shop_plugin import work

    signed_webhook(client, "orders/create", customer_order(299938))
    later = dict(customer_order(299938), updated_at="2030-01-01T00:00:00Z", phone="555-625-1199")
    stored(client, monkeypatch, [("orders/updated", later, "update"),
                                 ("customers/redact", fixture("customers_redact.json"), "redact")])
    with app.app_context():
        redaction = session().scalar(select(WebhookEvent.id).where(WebhookEvent.webhook_id == "redact"))
    claims = {name: getattr(work, name) for name in ("claim_plain", "claim_many_plain")}

    def then_the_redaction_lands(name):
        def claim(s, model, ids, *args):
            claimed = claims[name](s, model, ids, *args)
            if ids != redaction and ids != [redaction]:
                monkeypatch.setattr(work, name, claims[name])
                with app.app_context():  # another worker, another session
                    processing.process_event(redaction)
                claimed = [row for row in claimed if row.id != redaction] if name == "claim_many_plain" else claimed
            return claimed
        return claim

    for name in claims:
        monkeypatch.setattr(work, name, then_the_redaction_lands(name))
    with app.app_context():
        update = session().scalar(select(WebhookEvent.id).where(WebhookEvent.webhook_id == "update"))
        if way == "one by one":
            processing.process_event(update)
        else:
            processing.process_events(update)
    assert rows(app, "SELECT email, phone, customer_name, shipping_address FROM orders") == [(None,) * 4]
    assert rows(app, "SELECT webhook_id, status FROM webhook_events ORDER BY id")[1:] == \
        [("update", "ignored"), ("redact", "processed")]


def test_a_new_order_a_worker_applies_while_a_redaction_runs_keeps_none_of_the_customers_data(app, client,
                                                                                             monkeypatch):
    """Worker A has claimed (and read) the customer's orders/create; worker B's customers/redact runs
    meanwhile and A finishes right after B looked up the customer's orders. A must wait for B and
    then find its delivery set aside: B cannot redact an order it did not see."""
    import threading

    from shop_plugin.compliance import service as compliance

    signed_webhook(client, "orders/create", customer_order(5))  # the shop exists
    stored(client, monkeypatch, [("orders/create", customer_order(299938), "create"),
                                 ("customers/redact", fixture("customers_redact.json"), "redact")])
    with app.app_context():
        create, redact = session().scalars(select(WebhookEvent.id).where(
            WebhookEvent.webhook_id.in_(("create", "redact"))).order_by(WebhookEvent.id)).all()
        claimed = processing.claim(create)

    def worker_a():
        with app.app_context():
            processing._process_claimed(claimed)

    lookup, threads = compliance._customer_orders, []

    def lookup_while_worker_a_finishes(*args):
        found = lookup(*args)
        threads.append(threading.Thread(target=worker_a))
        threads[0].start()
        threads[0].join(timeout=2)  # A finishes now, or waits for B's locks until B commits
        return found

    monkeypatch.setattr(compliance, "_customer_orders", lookup_while_worker_a_finishes)
    with app.app_context():
        assert processing.process_event(redact) == "processed"
    threads[0].join(timeout=30)
    assert not threads[0].is_alive()
    assert rows(app, "SELECT email, phone, customer_name FROM orders WHERE shopify_id = 299938") in \
        ([], [(None, None, None)])


def test_a_failure_after_a_redaction_set_the_event_aside_is_not_written_over_it(app, client, monkeypatch):
    """The handler fails (its error quoting the customer's address) after another worker's redaction set
    the event aside: the event stays ignored with the redacted error, not `failed` with the address."""
    from webhooks import registry

    signed_webhook(client, "orders/create", customer_order(299938))
    later = dict(customer_order(299938), updated_at="2030-01-01T00:00:00Z")
    stored(client, monkeypatch, [("orders/updated", later, "update"),
                                 ("customers/redact", fixture("customers_redact.json"), "redact")])
    with app.app_context():
        update, redact = session().scalars(select(WebhookEvent.id).where(
            WebhookEvent.webhook_id.in_(("update", "redact"))).order_by(WebhookEvent.id)).all()

    def fails_after_the_redaction_lands(ctx):
        with app.app_context():  # another worker
            processing.process_event(redact)
        raise ValueError("relay refused john@example.com")

    handler_for = registry.handler_for
    monkeypatch.setattr(registry, "handler_for", lambda topic: fails_after_the_redaction_lands
                        if topic == "orders/updated" else handler_for(topic))
    with app.app_context():
        assert processing.process_event(update) is None
    [(status, error)] = rows(app, "SELECT status, error FROM webhook_events WHERE webhook_id = 'update'")
    assert status == "ignored" and "john@example.com" not in error
