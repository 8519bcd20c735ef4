"""Orders that slip become one ticket and one honest notice, on time; nothing happens twice."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shop_plugin.delays import service as delays
from shop_plugin.delays.models import OrderCheck
from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import Ticket
from shop_plugin.notify import notices
from shop_plugin.shops import service as shops
from tests.support import (
    OTHER_SHOP,
    SHOP,
    backdate_install,
    bearer,
    carrier_event,
    fixture,
    session_token,
    ship,
    signed_webhook,
)

RULES = {"timezone": "Asia/Seoul", "origin_country": "KR", "processing_days": [1, 2],
         "transit": [{"countries": ["KR"], "days": [2, 3]}],
         "email": {"enabled": False, "reply_to": "help@shop.test"}}
SEOUL = ZoneInfo("Asia/Seoul")
CREATED = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def order_payload(order_id: int = 5001, **changes) -> dict:
    payload = fixture("orders_create.rest_fixture.json")
    payload.update(id=order_id, name=f"#{order_id}", created_at=CREATED.isoformat(), updated_at=CREATED.isoformat(),
                   customer_locale="ko", email=f"buyer{order_id}@example.com", financial_status="paid",
                   fulfillment_status=None, fulfillments=[], refunds=[], cancelled_at=None)
    payload["shipping_address"] = dict(payload["shipping_address"], country_code="KR")
    payload.update(changes)
    return payload


def setup(make_app, smtp_server, shop=SHOP):
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    client.get(f"/?shop={shop}&embedded=1&id_token={session_token(shop)}")
    backdate_install(app, shop)
    client.put("/api/settings", json=RULES, headers=bearer(shop))
    return app, client, sink


def after_ship_by(client, order_id: int = 5001) -> datetime:
    """An hour into the day after the promised ship-by date (shop time, Asia/Seoul)."""
    ship_by = client.get(f"/api/orders/{order_id}", headers=bearer()).json["promise"]["ship_by"]
    return datetime.fromisoformat(ship_by).replace(tzinfo=SEOUL) + timedelta(days=1, hours=1)


def scan(app, at: datetime) -> str:
    return app.test_cli_runner().invoke(args=["delays", "scan", "--now", at.isoformat()]).output


def tickets(app, **where) -> list[Ticket]:
    with app.app_context():
        return list(session().scalars(select(Ticket).filter_by(**where).order_by(Ticket.id)))


def test_an_undispatched_order_gets_a_ticket_and_a_korean_notice(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    assert tickets(app) == [] and sink.messages == []
    assert "1 breach" in scan(app, after_ship_by(client))
    [ticket] = tickets(app)
    assert (ticket.reason, ticket.status, ticket.priority) == ("late_dispatch", "open", "normal")
    assert ticket.first_response_due_at > ticket.created_at and ticket.resolution_due_at > ticket.first_response_due_at
    [message] = sink.messages
    assert message["To"] == "buyer5001@example.com" and "#5001" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "공급업체" in body and "회신" in body and "/n/unsubscribe/" in body
    ship_by = date.fromisoformat(client.get("/api/orders/5001", headers=bearer()).json["promise"]["ship_by"])
    assert f"{ship_by.year}년 {ship_by.month}월 {ship_by.day}일까지" in body  # the date as the promise wrote it
    html = message.get_body(("html",)).get_content()
    assert "수신 거부</a>" in html and "Unsubscribe" not in html, "the opt-out link is in the customer's language"
    notices_ = client.get("/api/orders/5001", headers=bearer()).json["notices"]
    assert (notices_[0]["reason"], notices_[0]["status"], notices_[0]["locale"]) == ("late_dispatch", "sent", "ko")


def test_a_second_scan_right_after_opens_and_sends_nothing(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    scan(app, after_ship_by(client))
    scan(app, after_ship_by(client) + timedelta(minutes=1))
    assert len(tickets(app)) == 1 and len(sink.messages) == 1
    with app.app_context():
        check = session().scalars(select(OrderCheck)).one()
    assert check.active_reasons == ["late_dispatch"] and check.next_check_at is not None


def test_nothing_fires_before_the_ship_by_day_ends(make_app, smtp_server):
    app, client, _ = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    scan(app, CREATED + timedelta(hours=1))
    assert tickets(app) == []


def test_delivery_resolves_the_dispatch_ticket_itself(make_app, smtp_server):
    app, client, _ = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    scan(app, after_ship_by(client))
    ship(client, order_id=5001, fulfillment_id=7001)
    carrier_event(client, order_id=5001, fulfillment_id=7001, event_id=8001, status="delivered")
    [ticket] = tickets(app)
    assert ticket.status == "resolved"
    detail = client.get(f"/api/tickets/{ticket.id}", headers=bearer()).json
    assert any("Delivered" in n["body"] for n in detail["messages"])


def test_a_carrier_failure_opens_an_urgent_ticket_at_once(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    ship(client, order_id=5001, fulfillment_id=7002)
    carrier_event(client, order_id=5001, fulfillment_id=7002, event_id=8002, status="failure")
    [ticket] = tickets(app)
    assert (ticket.reason, ticket.priority) == ("delivery_exception", "urgent")
    assert len(sink.messages) == 1


def test_a_webhook_and_a_scan_at_the_same_time_open_one_ticket(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    at = after_ship_by(client)
    barrier = threading.Barrier(4)

    def check():
        with app.app_context():
            shop = shops.get(domain=SHOP)
            barrier.wait()
            delays.check_order(session(), shop=shop, order_id=5001, now=at)
            session().commit()

    threads = [threading.Thread(target=check) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([t for t in tickets(app) if t.status == "open"]) == 1
    assert len(sink.messages) == 1


def test_a_customer_who_opted_out_gets_no_notice_but_the_ticket_opens(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    with app.app_context(), app.test_request_context():
        token = notices.unsubscribe_token(shops.get(domain=SHOP), "buyer5001@example.com")
    assert client.get("/n/unsubscribe/forged-token").status_code == 404
    assert client.post(f"/n/unsubscribe/{token}").status_code == 200
    signed_webhook(client, "orders/create", order_payload())
    scan(app, after_ship_by(client))
    assert len(tickets(app)) == 1 and sink.messages == []
    assert client.get("/api/orders/5001", headers=bearer()).json["notices"][0]["status"] == "skipped"


def test_opening_the_unsubscribe_link_only_asks_and_the_button_or_the_mail_client_unsubscribes(make_app,
                                                                                              smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    with app.app_context(), app.test_request_context():
        token = notices.unsubscribe_token(shops.get(domain=SHOP), "buyer5001@example.com")
    page = client.get(f"/n/unsubscribe/{token}")  # a mail scanner opening every link
    assert page.status_code == 200 and '<form method="post">' in page.get_data(as_text=True)
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    signed_webhook(client, "orders/create", order_payload())
    scan(app, after_ship_by(client))
    [notice] = sink.messages
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert notice["List-Unsubscribe"] == f"<https://app.example.test/n/unsubscribe/{token}>"
    # answers reach the desk: "just reply to this email" must not go to the notifications address
    assert notice["Reply-To"] == "alpha-store@in.app.example.test"
    # as written on the wire: mail clients read the URL in angle brackets, not an RFC 2047 encoded word
    assert f"\r\nList-Unsubscribe: <https://app.example.test/n/unsubscribe/{token}>\r\n".encode() in sink.raw[0]


def test_no_notice_for_a_cancelled_order(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    signed_webhook(client, "orders/cancelled", order_payload(cancelled_at=datetime.now(UTC).isoformat(),
                                                             updated_at=datetime.now(UTC).isoformat()))
    scan(app, CREATED + timedelta(days=30))
    assert tickets(app) == [] and sink.messages == []


def test_old_orders_are_history_not_delays(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", fixture("orders_create.rest_fixture.json"))  # from 2008
    scan(app, datetime.now(UTC))
    assert tickets(app) == [] and sink.messages == []


def test_a_failed_send_is_retried_and_never_blocks_the_ticket(make_app, smtp_server):
    app = make_app(env={"SMTP_URL": "smtp://127.0.0.1:1"})
    client = app.test_client()
    client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}")
    backdate_install(app)
    client.put("/api/settings", json=RULES, headers=bearer())
    signed_webhook(client, "orders/create", order_payload())
    scan(app, after_ship_by(client))
    assert len(tickets(app)) == 1
    assert client.get("/api/orders/5001", headers=bearer()).json["notices"][0]["status"] == "retrying"


def test_the_ticket_api_lists_pages_filters_and_isolates_shops(make_app, smtp_server):
    app, client, _ = setup(make_app, smtp_server)
    for n in range(5):
        signed_webhook(client, "orders/create", order_payload(6000 + n))
    scan(app, after_ship_by(client, 6000))
    first = client.get("/api/tickets?limit=2", headers=bearer()).json
    assert len(first["tickets"]) == 2 and first["next_cursor"]
    assert first["tickets"][0]["order_name"] == "#6004" and first["tickets"][0]["reason"] == "late_dispatch"
    rest = client.get(f"/api/tickets?limit=10&cursor={first['next_cursor']}", headers=bearer()).json
    assert len(rest["tickets"]) == 3 and rest["next_cursor"] is None
    assert len(client.get("/api/tickets?order_id=6001", headers=bearer()).json["tickets"]) == 1
    assert client.get("/api/tickets?status=resolved", headers=bearer()).json["tickets"] == []
    assert client.get("/api/tickets?status=nope", headers=bearer()).status_code == 400
    assert client.get("/api/tickets", headers=bearer(OTHER_SHOP)).json["tickets"] == []
    ticket_id = first["tickets"][0]["id"]
    assert client.get(f"/api/tickets/{ticket_id}", headers=bearer(OTHER_SHOP)).status_code == 404
    assert client.get(f"/api/tickets/{ticket_id}", headers=bearer()).json["messages"][0]["body"].startswith("Detected")


def test_one_scan_acts_on_slipped_orders_and_reschedules_the_rest(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload(5001))
    signed_webhook(client, "orders/create", order_payload(5002))
    client.put("/api/settings", json={**RULES, "processing_days": [20, 30]}, headers=bearer())
    signed_webhook(client, "orders/create", order_payload(5003))  # promised later: not due yet at the scan
    at = after_ship_by(client, 5001)
    with app.app_context():
        session().execute(OrderCheck.__table__.update().values(next_check_at=at - timedelta(hours=1)))
        session().commit()
        assert delays.scan(session(), now=at) == {"checked": 3, "breaches": 2}
        rows = {c.order_shopify_id: c for c in session().scalars(select(OrderCheck))}
    assert rows[5003].next_check_at > at and rows[5003].active_reasons == []
    assert rows[5001].active_reasons == ["late_dispatch"] and len(tickets(app)) == 2


def test_a_delay_that_lasts_raises_a_refund_prompt(make_app, smtp_server):
    app, client, _ = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    deliver_to = client.get("/api/orders/5001", headers=bearer()).json["promise"]["deliver_to"]
    past = datetime.fromisoformat(deliver_to).replace(tzinfo=SEOUL) + timedelta(days=2)
    scan(app, past)
    assert client.get("/api/refund-prompts", headers=bearer()).json["prompts"] == []
    scan(app, past + timedelta(days=7))
    [prompt] = client.get("/api/refund-prompts", headers=bearer()).json["prompts"]
    assert prompt["trigger"] == "past_promise" and prompt["status"] == "pending"
    scan(app, past + timedelta(days=30))  # still the one prompt: a parcel never sent is not lost
    assert len(client.get("/api/refund-prompts", headers=bearer()).json["prompts"]) == 1


def test_a_carrier_event_without_order_id_still_checks_its_order(make_app, smtp_server):
    app, client, _ = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    now = datetime.now(UTC).isoformat()
    signed_webhook(client, "fulfillments/create", dict(fixture("fulfillments_create.rest_fixture.json"), id=7003,
                                                       order_id=5001, status="success", created_at=now, updated_at=now))
    event = dict(fixture("fulfillment_events_create.rest_fixture.json"), id=8003, fulfillment_id=7003,
                 status="failure", happened_at=now)
    event.pop("order_id")
    signed_webhook(client, "fulfillment_events/create", event)
    assert [t.reason for t in tickets(app)] == ["delivery_exception"]


def test_an_order_placed_before_the_install_gets_a_ticket_but_its_customer_no_email(make_app, smtp_server):
    """The first-install backfill imports old orders: their customers never saw a ShipPromise
    window, so a late one is the merchant's to see, not a reason to write to the customer."""
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}")  # installed now; the order is older
    client.put("/api/settings", json={**RULES, "email": {"enabled": True}}, headers=bearer())
    signed_webhook(client, "orders/create", order_payload())
    scan(app, after_ship_by(client))
    assert [t.reason for t in tickets(app)] == ["late_dispatch"]
    assert client.get("/api/orders/5001", headers=bearer()).json["notices"] == []
    assert sink.messages == []


def past_deliver_to(client, order_id: int = 5001, days: int = 1) -> datetime:
    deliver_to = client.get(f"/api/orders/{order_id}", headers=bearer()).json["promise"]["deliver_to"]
    return datetime.fromisoformat(deliver_to).replace(tzinfo=SEOUL) + timedelta(days=days, hours=1)


def test_an_unshipped_order_past_its_promise_is_never_called_lost(make_app, smtp_server):
    app, client, _ = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload())
    scan(app, past_deliver_to(client, days=30))
    assert sorted(t.reason for t in tickets(app)) == ["late_dispatch", "past_promise"]


@pytest.mark.parametrize(("locale", "unshipped", "tracing"), [
    ("en", "has not shipped yet", "We are tracing it"),
    ("ko", "아직 발송되지 않았습니다", "배송 상황을 확인 중"),
    ("id", "belum dikirim", "Kami sedang melacaknya"),
])
def test_the_past_promise_notice_of_an_unshipped_order_says_it_has_not_shipped(make_app, smtp_server, locale,
                                                                              unshipped, tracing):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload(customer_locale=locale))
    scan(app, after_ship_by(client))
    scan(app, past_deliver_to(client))
    assert [t.reason for t in tickets(app)] == ["late_dispatch", "past_promise"]
    body = sink.messages[-1].get_body(("plain",)).get_content()
    assert unshipped in body and tracing not in body


def in_transit_past_its_date(client) -> datetime:
    """Order 5001 shipped now (fulfilment 7001) and still moving when its promised date has passed:
    the carrier's last update came a day before the returned scan time, so the parcel is late, not
    stalled, whatever weekday the window spans."""
    ship(client, order_id=5001, fulfillment_id=7001)
    at = past_deliver_to(client)
    carrier_event(client, order_id=5001, fulfillment_id=7001, event_id=8001, status="in_transit",
                  at=at - timedelta(days=1))
    return at


def test_the_past_promise_notice_of_a_parcel_on_its_way_says_it_is_traced(make_app, smtp_server):
    app, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload(customer_locale="en"))
    scan(app, in_transit_past_its_date(client))
    assert [t.reason for t in tickets(app)] == ["past_promise"]
    body = sink.messages[-1].get_body(("plain",)).get_content()
    assert "We are tracing it" in body and "has not shipped" not in body


@pytest.mark.parametrize("key", ["ko", "ko-KR"])  # saved for the language or one of its regions
def test_the_merchants_own_notice_wording_is_saved_and_sent_in_the_customers_language(make_app, smtp_server, key):
    app, client, sink = setup(make_app, smtp_server)
    wording = {key: {"notice_late_dispatch": "{order} 주문은 공급업체 사정으로 늦어지고 있습니다. (상점 문구)"}}
    response = client.put("/api/settings", json={**RULES, "texts": wording}, headers=bearer())
    assert response.status_code == 200, response.json
    signed_webhook(client, "orders/create", order_payload())
    scan(app, after_ship_by(client))
    body = sink.messages[-1].get_body(("plain",)).get_content()
    assert "#5001 주문은 공급업체 사정으로 늦어지고 있습니다. (상점 문구)" in body
    assert "아직 공급업체에서 출발하지 않았습니다" not in body  # ours, replaced


def test_delivery_also_resolves_a_missed_date_ticket(make_app, smtp_server):
    """A parcel past its promised date that then arrives: the slip is over, as for a late dispatch."""
    app, client, _ = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", order_payload(customer_locale="en"))
    scan(app, in_transit_past_its_date(client))
    assert [(t.reason, t.status) for t in tickets(app)] == [("past_promise", "open")]
    carrier_event(client, order_id=5001, fulfillment_id=7001, event_id=8002, status="delivered")
    assert [(t.reason, t.status) for t in tickets(app)] == [("past_promise", "resolved")]
