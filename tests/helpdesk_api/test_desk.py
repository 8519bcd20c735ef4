"""Staff and canned replies: listed, changed with field errors, filled per ticket, per shop."""
from __future__ import annotations

import pytest

from tests.helpdesk_api import rows
from tests.support import OTHER_SHOP, bearer


def staff(client, shop=None) -> list[dict]:
    return client.get("/api/staff", headers=bearer(shop) if shop else bearer()).json["staff"]


def test_the_staff_are_everyone_who_opened_the_app_in_this_shop(client):
    client.get("/api/staff", headers=bearer(sub="7"))
    client.get("/api/staff", headers=bearer(OTHER_SHOP, sub="8"))
    listed = staff(client)
    assert [m["user_id"] for m in listed] == [7, 42]
    assert listed[0]["display_name"] == "Staff member 7" and listed[0]["last_seen_at"].endswith("Z")


def test_a_staff_member_gets_a_name_and_an_email(client):
    member = staff(client)[0]["id"]
    response = client.patch(f"/api/staff/{member}", json={"name": " Mina ", "email": "mina@shop.test"},
                            headers=bearer())
    assert response.status_code == 200 and (response.json["name"], response.json["email"]) == ("Mina", "mina@shop.test")
    response = client.patch(f"/api/staff/{member}", json={"email": None}, headers=bearer())
    assert (response.json["name"], response.json["email"], response.json["display_name"]) == ("Mina", None, "Mina")


@pytest.mark.parametrize(("body", "fields"), [
    ({"email": "not-an-email"}, {"email"}), ({"email": "a@b.co\n"}, {"email"}), ({"name": "x" * 201}, {"name"}),
    ({"name": 5}, {"name"}), ({"role": "admin"}, {"role"}), ([], {""}),
])
def test_wrong_staff_fields_are_422(client, body, fields):
    member = staff(client)[0]["id"]
    response = client.patch(f"/api/staff/{member}", json=body, headers=bearer())
    assert response.status_code == 422 and set(response.json["errors"]) == fields
    assert staff(client)[0]["name"] is None


def test_another_shops_staff_member_is_not_found(client):
    theirs = staff(client, OTHER_SHOP)[0]["id"]
    assert client.patch(f"/api/staff/{theirs}", json={"name": "X"}, headers=bearer()).status_code == 404


def test_canned_replies_are_written_listed_changed_and_deleted(client):
    created = client.post("/api/canned-replies", json={"title": "Delay", "body": "Sorry, {{ customer.name }}."},
                          headers=bearer())
    assert created.status_code == 201
    reply_id = created.json["id"]
    client.post("/api/canned-replies", json={"title": "Address", "body": "Which address?"}, headers=bearer())
    assert [r["title"] for r in client.get("/api/canned-replies", headers=bearer()).json["canned_replies"]] == [
        "Address", "Delay"]
    changed = client.patch(f"/api/canned-replies/{reply_id}", json={"body": "Sorry!"}, headers=bearer())
    assert changed.status_code == 200 and (changed.json["title"], changed.json["body"]) == ("Delay", "Sorry!")
    assert client.delete(f"/api/canned-replies/{reply_id}", headers=bearer()).status_code == 204
    assert client.patch(f"/api/canned-replies/{reply_id}", json={"body": "x"}, headers=bearer()).status_code == 404


def test_titles_are_unique_within_a_shop_only(client):
    first = client.post("/api/canned-replies", json={"title": "Delay", "body": "a"}, headers=bearer())
    again = client.post("/api/canned-replies", json={"title": " Delay ", "body": "b"}, headers=bearer())
    assert again.status_code == 422 and set(again.json["errors"]) == {"title"}
    assert client.post("/api/canned-replies", json={"title": "Delay", "body": "c"},
                       headers=bearer(OTHER_SHOP)).status_code == 201
    other = client.post("/api/canned-replies", json={"title": "Other", "body": "d"}, headers=bearer()).json["id"]
    renamed = client.patch(f"/api/canned-replies/{other}", json={"title": "Delay"}, headers=bearer())
    assert renamed.status_code == 422 and set(renamed.json["errors"]) == {"title"}
    assert client.patch(f"/api/canned-replies/{first.json['id']}", json={"title": "Delay"},
                        headers=bearer()).status_code == 200


@pytest.mark.parametrize(("body", "fields"), [
    ({"title": "Broken", "body": "Hi {{ customer.name "}, {"body"}), ({"title": "", "body": "x"}, {"title"}),
    ({"title": "x" * 121, "body": "x"}, {"title"}), ({"title": "T"}, {"body"}), ({"body": "x"}, {"title"}),
    ({"title": "T", "body": "x", "shared": True}, {"shared"}), ({"title": "T\x00", "body": "x"}, {"title"}),
    ("text", {""}),
])
def test_a_wrong_canned_reply_is_422(client, body, fields):
    response = client.post("/api/canned-replies", json=body, headers=bearer())
    assert response.status_code == 422 and set(response.json["errors"]) == fields
    assert client.get("/api/canned-replies", headers=bearer()).json["canned_replies"] == []


def test_the_preview_fills_the_reply_for_one_of_this_shops_tickets(app, client):
    rows.order(app, 5001, customer_name="Kim")
    ticket_id = rows.ticket(app, order_shopify_id=5001)
    theirs = rows.ticket(app, shop=OTHER_SHOP)
    reply_id = rows.canned(app, "Delay", "Hi {{ customer.name }}, {{ order.name }} ({{ ticket.id }}) ships soon.")
    preview = client.get(f"/api/canned-replies/{reply_id}/preview?ticket_id={ticket_id}", headers=bearer())
    assert preview.json == {"ticket_id": ticket_id, "body": f"Hi Kim, #5001 ({ticket_id}) ships soon."}
    assert client.get(f"/api/canned-replies/{reply_id}/preview?ticket_id={theirs}",
                      headers=bearer()).status_code == 404
    missing = client.get(f"/api/canned-replies/{reply_id}/preview", headers=bearer())
    assert missing.status_code == 400 and set(missing.json["errors"]) == {"ticket_id"}
    assert client.get(f"/api/canned-replies/{reply_id}/preview?ticket_id={ticket_id}",
                      headers=bearer(OTHER_SHOP)).status_code == 404


@pytest.mark.parametrize("template", ["{{ order.name + 1 }}", "{{ 1 / 0 }}", "{{ '%d' % order.name }}"])
def test_a_reply_that_fails_on_the_tickets_values_previews_as_written(app, client, template):
    ticket_id = rows.ticket(app)
    reply_id = rows.canned(app, "Odd", template)
    preview = client.get(f"/api/canned-replies/{reply_id}/preview?ticket_id={ticket_id}", headers=bearer())
    assert preview.status_code == 200 and preview.json["body"] == template
