"""PATCH /api/tickets/<id>, POST /api/tickets/<id>/messages and POST /api/tickets/bulk: all of a change or
none of it, field errors by name, and only ever this shop's tickets."""
from __future__ import annotations

import pytest

from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import Ticket
from tests.chaos.harness import POSTGRES
from tests.helpdesk_api import rows
from tests.support import OTHER_SHOP, bearer


def patch(client, ticket_id: int, body, shop=None):
    return client.patch(f"/api/tickets/{ticket_id}", json=body, headers=bearer(shop) if shop else bearer())


def messages(client, ticket_id: int) -> list[dict]:
    return client.get(f"/api/tickets/{ticket_id}", headers=bearer()).json["messages"]


def test_a_change_applies_and_is_written_on_the_ticket(app, client):
    client.get("/api/staff", headers=bearer(sub="7"))
    member = client.get("/api/staff", headers=bearer()).json["staff"][0]["id"]
    client.patch(f"/api/staff/{member}", json={"name": "Mina"}, headers=bearer())
    ticket_id = rows.ticket(app)
    response = patch(client, ticket_id, {"status": "pending", "priority": "high", "assignee_id": member,
                                         "tags": ["VIP ", "damaged"]})
    assert response.status_code == 200
    assert (response.json["status"], response.json["priority"], response.json["tags"]) == (
        "pending", "high", ["damaged", "vip"])
    assert response.json["assignee"] == {"id": member, "name": "Mina"} and response.json["due_at"] is None
    [line] = messages(client, ticket_id)
    assert line["kind"] == "system" and "Status: open → pending" in line["body"] and "Assigned to Mina" in line["body"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"status": "done"}, {"status"}), ({"priority": 1}, {"priority"}), ({"assignee_id": 2**40}, {"assignee_id"}),
    ({"assignee_id": True}, {"assignee_id"}), ({"tags": ["no spaces allowed"]}, {"tags"}), ({"tags": "vip"}, {"tags"}),
    ({"title": "x"}, {"title"}), ({"status": "closed", "priority": "soon"}, {"priority"}),
])
def test_a_wrong_field_changes_nothing(app, client, body, fields):
    ticket_id = rows.ticket(app)
    response = patch(client, ticket_id, body)
    assert response.status_code == 422 and set(response.json["errors"]) == fields
    assert rows.load(app, Ticket, ticket_id).status == "open" and messages(client, ticket_id) == []


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"open"', b"{not json", b"", b"null"])
def test_a_body_that_is_not_a_json_object_is_422(app, client, raw):
    ticket_id = rows.ticket(app)
    for path in (f"/api/tickets/{ticket_id}", f"/api/tickets/{ticket_id}/messages", "/api/tickets/bulk"):
        method = client.patch if path.endswith(str(ticket_id)) else client.post
        response = method(path, data=raw, headers={**bearer(), "Content-Type": "application/json"})
        assert response.status_code == 422 and "" in response.json["errors"], path


def test_staff_of_another_shop_cannot_be_assigned(app, client):
    theirs = rows.staff(app, user_id=5, shop=OTHER_SHOP)
    response = patch(client, rows.ticket(app), {"assignee_id": theirs})
    assert response.status_code == 422 and set(response.json["errors"]) == {"assignee_id"}


def test_another_shops_ticket_cannot_be_changed_or_written_on(app, client):
    theirs = rows.ticket(app, shop=OTHER_SHOP)
    assert patch(client, theirs, {"status": "closed"}).status_code == 404
    assert client.post(f"/api/tickets/{theirs}/messages", json={"kind": "note", "body": "hi"},
                       headers=bearer()).status_code == 404
    assert rows.load(app, Ticket, theirs).status == "open"


def test_reopening_beside_an_open_ticket_for_the_same_order_and_reason_is_a_conflict(app, client):
    closed = rows.ticket(app, subject="order:5001", reason="late_dispatch", status="closed")
    rows.ticket(app, subject="order:5001", reason="late_dispatch")
    response = patch(client, closed, {"status": "open", "priority": "urgent"})
    assert response.status_code == 409 and set(response.json["errors"]) == {"status"}
    assert (rows.load(app, Ticket, closed).status, rows.load(app, Ticket, closed).priority) == ("closed", "normal")


def test_a_note_is_kept_and_a_reply_is_emailed(make_app, smtp_server):
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    ticket_id = rows.ticket(app, customer_email="kim@example.com", title="Parcel?")
    note = client.post(f"/api/tickets/{ticket_id}/messages", json={"kind": "note", "body": "Asked DHL"},
                       headers=bearer())
    assert note.status_code == 201 and (note.json["kind"], note.json["delivery_status"]) == ("note", None)
    reply = client.post(f"/api/tickets/{ticket_id}/messages", json={"kind": "reply", "body": "It ships today"},
                        headers=bearer())
    assert reply.status_code == 201 and reply.json["delivery_status"] == "queued"
    [mail] = sink.messages
    assert mail["To"] == "kim@example.com" and mail["Subject"] == "Re: Parcel?"
    assert [m["delivery_status"] for m in messages(client, ticket_id)] == [None, "sent"]
    assert rows.load(app, Ticket, ticket_id).first_responded_at is not None


def test_a_reply_sent_twice_in_a_moment_is_one_reply_and_one_email(make_app, smtp_server):
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    ticket_id = rows.ticket(app, customer_email="kim@example.com", title="Parcel?")
    send = lambda body: client.post(f"/api/tickets/{ticket_id}/messages",  # noqa: E731
                                    json={"kind": "reply", "body": body}, headers=bearer())
    first, again = send("It ships today"), send("It ships today ")  # a double click, or a retry after a timeout
    assert first.status_code == again.status_code == 201 and first.json["id"] == again.json["id"]
    assert send("Tracking: 123").json["id"] != first.json["id"]
    assert [m["To"] for m in sink.messages] == ["kim@example.com"] * 2
    assert [m["body"] for m in messages(client, ticket_id)] == ["It ships today", "Tracking: 123"]


def test_two_sends_of_one_reply_at_the_same_moment_are_one_reply(make_app, smtp_server, monkeypatch):
    """The two requests overlap: the second must wait for the first and then find its reply (on SQLite
    too, where FOR UPDATE locks nothing)."""
    import threading

    from shop_plugin.helpdesk import actions

    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    ticket_id = rows.ticket(app, customer_email="kim@example.com", title="Parcel?")
    both_checked = threading.Barrier(2, timeout=1.5)
    just_sent = actions._just_sent

    def check_then_meet(*args, **kwargs):
        found = just_sent(*args, **kwargs)
        try:
            both_checked.wait()  # both found nothing yet: both would write
        except threading.BrokenBarrierError:
            pass  # the other waits for this one's ticket: the fix
        return found

    monkeypatch.setattr(actions, "_just_sent", check_then_meet)
    answers = []

    def send():
        answers.append(app.test_client().post(f"/api/tickets/{ticket_id}/messages",
                                              json={"kind": "reply", "body": "It ships today"}, headers=bearer()))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [201, 201] and answers[0].json["id"] == answers[1].json["id"]
    assert [m["body"] for m in messages(client, ticket_id)] == ["It ships today"]
    assert [m["To"] for m in sink.messages] == ["kim@example.com"]


@pytest.mark.parametrize(("locale", "subject"), [
    ("ko-KR", "주문 #5001 관련 안내"), ("id", "Tentang pesanan Anda #5001"), (None, "About your order #5001")])
def test_a_reply_without_a_title_has_a_subject_in_the_customers_language(make_app, smtp_server, locale, subject):
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    rows.order(app, 5001)
    ticket_id = rows.ticket(app, order_shopify_id=5001, customer_email="buyer5001@example.com", locale=locale)
    assert app.test_client().post(f"/api/tickets/{ticket_id}/messages", json={"kind": "reply", "body": "Soon."},
                                  headers=bearer()).status_code == 201
    assert [m["Subject"] for m in sink.messages] == [subject]


@pytest.mark.parametrize(("locale", "subject"), [
    ("ko-KR", "주문 #5001 관련 안내"), ("id", "Tentang pesanan Anda #5001")])
def test_a_reply_on_a_ticket_the_system_opened_has_a_subject_in_the_orders_language(make_app, smtp_server, locale,
                                                                                    subject):
    """Delay and dispute tickets are opened by ShipPromise, with no language of their own."""
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    rows.order(app, 5001, customer_locale=locale)
    ticket_id = rows.ticket(app, order_shopify_id=5001, customer_email="buyer5001@example.com", reason="stalled")
    assert app.test_client().post(f"/api/tickets/{ticket_id}/messages", json={"kind": "reply", "body": "Soon."},
                                  headers=bearer()).status_code == 201
    assert [m["Subject"] for m in sink.messages] == [subject]

def test_a_canned_reply_fills_the_body_for_the_ticket(app, client):
    rows.order(app, 5001)
    ticket_id = rows.ticket(app, order_shopify_id=5001)
    canned = rows.canned(app, "Thanks", "Thanks, order {{ order.name }} is on its way.")
    response = client.post(f"/api/tickets/{ticket_id}/messages", json={"kind": "note", "canned_reply_id": canned},
                           headers=bearer())
    assert response.status_code == 201 and response.json["body"] == "Thanks, order #5001 is on its way."


@pytest.mark.parametrize(("body", "fields"), [
    ({"kind": "note", "body": "  "}, {"body"}), ({"kind": "shout", "body": "hi"}, {"kind"}),
    ({"kind": "reply", "body": "hi"}, {"kind"}), ({"kind": "note", "body": "a\x00b"}, {"body"}),
    ({"kind": "note", "body": "x" * 20001}, {"body"}), ({"kind": "note", "body": "hi", "to": "x"}, {"to"}),
    ({"kind": "note", "canned_reply_id": 2**40}, {"canned_reply_id", "body"}),
    ({"kind": "note", "body": ["hi"]}, {"body"}),
])
def test_a_wrong_message_is_422_and_nothing_is_written(app, client, body, fields):
    ticket_id = rows.ticket(app)  # no customer email: a reply has nowhere to go
    response = client.post(f"/api/tickets/{ticket_id}/messages", json=body, headers=bearer())
    assert response.status_code == 422 and set(response.json["errors"]) == fields
    assert messages(client, ticket_id) == []


def test_another_shops_canned_reply_cannot_be_used(app, client):
    theirs = rows.canned(app, "Theirs", "Secret text", shop=OTHER_SHOP)
    response = client.post(f"/api/tickets/{rows.ticket(app)}/messages",
                           json={"kind": "note", "canned_reply_id": theirs}, headers=bearer())
    assert response.status_code == 422 and "canned_reply_id" in response.json["errors"]


def test_bulk_changes_only_this_shops_tickets(app, client):
    mine = [rows.ticket(app) for _ in range(3)]
    theirs = rows.ticket(app, shop=OTHER_SHOP)
    response = client.post("/api/tickets/bulk", json={"ids": [*mine[:2], theirs, 999],
                                                      "changes": {"priority": "low", "tags": ["batch"]}},
                           headers=bearer())
    assert response.status_code == 200 and response.json == {"updated": 2}
    assert [rows.load(app, Ticket, t).priority for t in mine] == ["low", "low", "normal"]
    assert rows.load(app, Ticket, mine[0]).tags == ["batch"]
    assert (rows.load(app, Ticket, theirs).priority, rows.load(app, Ticket, theirs).tags) == ("normal", [])


@pytest.mark.parametrize(("body", "fields"), [
    ({"ids": [], "changes": {"status": "closed"}}, {"ids"}),
    ({"ids": list(range(1, 102)), "changes": {"status": "closed"}}, {"ids"}),
    ({"ids": ["1"], "changes": {"status": "closed"}}, {"ids"}),
    ({"ids": [1], "changes": {}}, {"changes"}),
    ({"ids": [1], "changes": {"status": "closed", "priority": "meh"}}, {"changes.priority"}),
    ({"ids": [1], "changes": {"status": "closed"}, "dry_run": True}, {"dry_run"}),
])
def test_bulk_validation_is_all_or_nothing(app, client, body, fields):
    ticket_id = rows.ticket(app)
    response = client.post("/api/tickets/bulk", json=body, headers=bearer())
    assert response.status_code == 422 and set(response.json["errors"]) == fields
    assert rows.load(app, Ticket, ticket_id).status == "open"


def test_bulk_reopening_into_a_conflict_changes_none(app, client):
    first = rows.ticket(app, status="closed")
    closed = rows.ticket(app, subject="order:5001", reason="late_dispatch", status="closed")
    rows.ticket(app, subject="order:5001", reason="late_dispatch")
    response = client.post("/api/tickets/bulk", json={"ids": [first, closed], "changes": {"status": "open"}},
                           headers=bearer())
    assert response.status_code == 409
    assert [rows.load(app, Ticket, t).status for t in (first, closed)] == ["closed", "closed"]


@POSTGRES
def test_two_people_resolving_at_once_send_one_survey(app, monkeypatch):
    import threading

    from shop_plugin.helpdesk import csat

    ticket_id = rows.ticket(app, customer_email="kim@example.com")
    rows.entry(app, ticket_id)
    first_inside, let_go = threading.Event(), threading.Event()
    real = csat.request

    def slow_first(*args, **kwargs):  # the first request stops just before it commits
        if threading.current_thread().name == "first":
            first_inside.set()
            let_go.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(csat, "request", slow_first)
    statuses = {}

    def resolve(name):
        statuses[name] = patch(app.test_client(), ticket_id, {"status": "resolved"}).status_code

    first = threading.Thread(target=resolve, args=("first",), name="first")
    second = threading.Thread(target=resolve, args=("second",), name="second")
    first.start()
    assert first_inside.wait(10)
    second.start()
    second.join(1.0)  # it waits for the first one's row lock
    let_go.set()
    first.join(10)
    second.join(10)
    assert statuses == {"first": 200, "second": 200}
    surveys = [e for e in rows_of(app, ticket_id) if e.body.startswith("Satisfaction survey")]
    assert len(surveys) == 1


def rows_of(app, ticket_id):
    from sqlalchemy import select

    from shop_plugin.helpdesk.models import TicketEntry

    with app.app_context():
        return list(session().scalars(select(TicketEntry).where(TicketEntry.ticket_id == ticket_id)))
