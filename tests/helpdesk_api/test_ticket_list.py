"""GET /api/tickets: the inbox's filters, its keyset pages in both sorts, and a constant cost per page."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from sqlalchemy import event

from tests.helpdesk_api import rows
from tests.helpdesk_api.rows import NOW
from tests.support import OTHER_SHOP, bearer

ENDPOINTS = [
    ("get", "/api/tickets"), ("get", "/api/tickets/1"), ("patch", "/api/tickets/1"),
    ("post", "/api/tickets/1/messages"), ("post", "/api/tickets/bulk"), ("get", "/api/staff"),
    ("patch", "/api/staff/1"), ("get", "/api/canned-replies"), ("post", "/api/canned-replies"),
    ("patch", "/api/canned-replies/1"), ("delete", "/api/canned-replies/1"),
    ("get", "/api/canned-replies/1/preview?ticket_id=1"), ("get", "/api/metrics"),
]


def ids(client, query: str = "", shop=None) -> list[int]:
    response = client.get(f"/api/tickets{query}", headers=bearer(shop) if shop else bearer())
    assert response.status_code == 200, response.json
    return [t["id"] for t in response.json["tickets"]]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_helpdesk_endpoint_needs_a_session_token(client, method, path):
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401 and "error" in response.json


def test_it_filters_by_status_priority_reason_tag_and_assignee(app, client):
    member = rows.staff(app, user_id=7, name="Mina")
    urgent = rows.ticket(app, priority="urgent", reason="late_dispatch", tags=["late_dispatch", "vip"])
    pending = rows.ticket(app, status="pending", assignee_id=member)
    plain = rows.ticket(app)
    assert ids(client, "?priority=urgent") == [urgent]
    assert ids(client, "?status=pending") == [pending]
    assert ids(client, "?reason=late_dispatch") == [urgent]
    assert ids(client, "?tag=vip") == [urgent]
    assert ids(client, f"?assignee_id={member}") == [pending]
    assert ids(client, "?assignee_id=none") == [plain, urgent]
    assert ids(client, "?status=open&priority=normal") == [plain]


def test_q_finds_the_order_name_the_email_the_title_and_message_text(app, client):
    rows.order(app, 5001)
    by_order = rows.ticket(app, order_shopify_id=5001)
    by_email = rows.ticket(app, customer_email="kim@example.com")
    by_title = rows.ticket(app, title="Damaged parcel")
    by_text = rows.ticket(app)
    rows.entry(app, by_text, body="The box arrived crushed")
    assert ids(client, "?q=%235001") == [by_order]
    assert ids(client, "?q=KIM@example") == [by_email]
    assert ids(client, "?q=damaged") == [by_title]
    assert ids(client, "?q=crushed") == [by_text]
    assert ids(client, "?q=nothing-like-it") == []


@pytest.mark.parametrize(("query", "fields"), [
    ("?status=done", {"status"}), ("?priority=asap", {"priority"}), ("?assignee_id=me", {"assignee_id"}),
    ("?assignee_id=2147483648", {"assignee_id"}), ("?tag=Not%20A%20Tag", {"tag"}), ("?sort=oldest", {"sort"}),
    ("?limit=0", {"limit"}), ("?limit=201", {"limit"}), ("?limit=%C2%B2", {"limit"}), ("?cursor=%%%", {"cursor"}),
    ("?order_id=99999999999999999999", {"order_id"}), ("?q=" + "x" * 201, {"q"}), ("?reason=%00", {"reason"}),
    ("?status=done&limit=x&sort=up", {"status", "limit", "sort"}),
])
def test_bad_parameters_answer_400_naming_each_one(client, query, fields):
    response = client.get(f"/api/tickets{query}", headers=bearer())
    assert response.status_code == 400 and set(response.json["errors"]) == fields


def test_newest_first_pages_walk_every_ticket_exactly_once(app, client):
    made = [rows.ticket(app) for _ in range(7)]
    seen, cursor = [], ""
    while True:
        body = client.get(f"/api/tickets?limit=3{cursor}", headers=bearer()).json
        seen += [t["id"] for t in body["tickets"]]
        if body["next_cursor"] is None:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert seen == sorted(made, reverse=True)


def test_due_sort_pages_soonest_first_and_undated_tickets_last(app, client):
    later = rows.ticket(app, due_at=NOW + timedelta(hours=5))
    undated = [rows.ticket(app), rows.ticket(app, status="pending")]
    soonest = rows.ticket(app, due_at=NOW + timedelta(hours=1))
    tied = [rows.ticket(app, due_at=NOW + timedelta(hours=3)) for _ in range(2)]
    first = client.get("/api/tickets?sort=due&limit=2", headers=bearer()).json
    second = client.get(f"/api/tickets?sort=due&limit=2&cursor={first['next_cursor']}", headers=bearer()).json
    third = client.get(f"/api/tickets?sort=due&limit=2&cursor={second['next_cursor']}", headers=bearer()).json
    pages = [[t["id"] for t in page["tickets"]] for page in (first, second, third)]
    assert pages == [[soonest, tied[0]], [tied[1], later], undated]
    assert third["next_cursor"] is None


def test_a_cursor_belongs_to_its_sort(app, client):
    for _ in range(3):
        rows.ticket(app, due_at=NOW)
    cursor = client.get("/api/tickets?limit=1", headers=bearer()).json["next_cursor"]
    response = client.get(f"/api/tickets?sort=due&cursor={cursor}", headers=bearer())
    assert response.status_code == 400 and set(response.json["errors"]) == {"cursor"}


def test_each_ticket_says_who_has_it_and_how_close_its_deadline_is(app, client):
    member = rows.staff(app, user_id=9, name="Joon")
    rows.order(app, 5002)
    late = rows.ticket(app, due_at=NOW - timedelta(minutes=5), assignee_id=member, order_shopify_id=5002,
                       first_response_breached=True)
    soon = rows.ticket(app, due_at=NOW + timedelta(minutes=30))
    relaxed = rows.ticket(app, due_at=NOW + timedelta(hours=3))
    tickets = {t["id"]: t for t in client.get("/api/tickets", headers=bearer()).json["tickets"]}
    assert tickets[late]["assignee"] == {"id": member, "name": "Joon"} and tickets[late]["order_name"] == "#5002"
    assert (tickets[late]["overdue"], tickets[late]["due_soon"], tickets[late]["first_response_breached"]) == (
        True, False, True)
    assert (tickets[soon]["overdue"], tickets[soon]["due_soon"]) == (False, True)
    assert (tickets[relaxed]["overdue"], tickets[relaxed]["due_soon"], tickets[relaxed]["assignee"]) == (
        False, False, None)


def test_another_shops_tickets_never_show(app, client):
    mine = rows.ticket(app)
    rows.ticket(app, shop=OTHER_SHOP)
    assert ids(client) == [mine]


def queries_for_a_page(app, client, count: int) -> int:
    executed = []
    engine = app.extensions["database"].engine
    listener = lambda *args: executed.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for sort in ("newest", "due"):
            body = client.get(f"/api/tickets?limit=200&sort={sort}", headers=bearer()).json
            assert len(body["tickets"]) == count and all(t["assignee"] and t["order_name"] for t in body["tickets"])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(executed)


def test_a_page_costs_the_same_queries_for_10_or_100_tickets(app, client):
    client.get("/api/tickets", headers=bearer())  # the staff member is recorded on the first request
    members = [rows.staff(app, user_id=1000 + n, name=f"Agent {n}") for n in range(10)]

    def add(numbers):
        for n in numbers:
            rows.order(app, 9000 + n)
            rows.ticket(app, order_shopify_id=9000 + n, assignee_id=members[n % 10], due_at=NOW + timedelta(hours=n))

    add(range(10))
    ten = queries_for_a_page(app, client, 10)
    add(range(10, 100))
    assert queries_for_a_page(app, client, 100) == ten


@pytest.mark.parametrize("key", [
    {"s": "due", "i": 1, "d": "0001-01-01T00:00:00+14:00"}, {"s": "due", "i": 2**40, "d": None},
    {"s": "due", "i": "1", "d": None}, {"s": "due", "i": 1, "d": 5}, ["due", 1],
])
def test_a_forged_cursor_is_400(client, key):
    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    response = client.get(f"/api/tickets?sort=due&cursor={cursor}", headers=bearer())
    assert response.status_code == 400 and set(response.json["errors"]) == {"cursor"}


def test_a_whole_order_number_or_address_finds_exactly_those_tickets(app, client):
    rows.order(app, 5001)
    rows.order(app, 50012)
    by_order = rows.ticket(app, order_shopify_id=5001)
    rows.ticket(app, order_shopify_id=50012)
    by_email = rows.ticket(app, customer_email="kim@example.com")
    rows.ticket(app, customer_email="kimberly@example.com")
    assert ids(client, "?q=%235001") == [by_order]
    assert ids(client, "?q=5001") == [by_order]
    assert ids(client, "?q=Kim@Example.com") == [by_email]
