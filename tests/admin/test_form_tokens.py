"""Forms act only with the page token of a verified page of the same shop, path and hour."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from shop_plugin.admin import page_token
from tests.admin.support import entries, html_of, page, post, seed_tickets, submit, ticket_row, token_of
from tests.support import OTHER_SHOP, SHOP


def note(token: str | None) -> dict:
    data = {"action": "message", "kind": "note", "body": "Checked with the supplier."}
    return data if token is None else {**data, "page_token": token}


def notes(app, ticket_id: int) -> list[str]:
    return [e.body for e in entries(app, ticket_id) if e.kind == "note"]


def assert_bounced(response, path: str) -> None:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/patch-id-token"
    reload_to = parse_qs(location.query)["shopify-reload"][0]
    assert urlsplit(reload_to).path == path and "id_token" not in reload_to


def test_a_form_with_the_pages_token_acts_and_redirects_within_the_app(app, installed):
    [ticket] = seed_tickets(app, 1)
    response = submit(installed, f"/tickets/{ticket}", note(None))
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == f"/tickets/{ticket}"
    assert parse_qs(location.query)["shop"] == [SHOP] and parse_qs(location.query)["done"] == ["note"]
    assert f"frame-ancestors https://{SHOP}" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert notes(app, ticket) == ["Checked with the supplier."]


def test_a_form_without_a_token_changes_nothing_and_bounces_to_its_page(app, installed):
    [ticket] = seed_tickets(app, 1)
    assert_bounced(post(installed, f"/tickets/{ticket}", note(None)), f"/tickets/{ticket}")
    assert notes(app, ticket) == []


def test_a_tampered_token_changes_nothing(app, installed):
    [ticket] = seed_tickets(app, 1)
    token = token_of(page(installed, f"/tickets/{ticket}"))
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token + "x", "not-a-token", ""):
        assert_bounced(post(installed, f"/tickets/{ticket}", note(bad)), f"/tickets/{ticket}")
    assert notes(app, ticket) == []


def test_an_expired_token_changes_nothing(app, installed):
    [ticket] = seed_tickets(app, 1)

    class HourAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - page_token.MAX_AGE - 5

    old = URLSafeTimedSerializer("test-secret-key", salt=page_token.SALT, signer=HourAgo).dumps(
        {"shop": SHOP, "user": "42", "path": f"/tickets/{ticket}"})
    assert_bounced(post(installed, f"/tickets/{ticket}", note(old)), f"/tickets/{ticket}")
    assert notes(app, ticket) == []
    fresh = URLSafeTimedSerializer("test-secret-key", salt=page_token.SALT).dumps(
        {"shop": SHOP, "user": "42", "path": f"/tickets/{ticket}"})
    assert post(installed, f"/tickets/{ticket}", note(fresh)).status_code == 302
    assert notes(app, ticket) == ["Checked with the supplier."]


def test_a_token_signed_with_another_key_changes_nothing(app, installed):
    [ticket] = seed_tickets(app, 1)
    forged = URLSafeTimedSerializer("another-key", salt=page_token.SALT).dumps(
        {"shop": SHOP, "user": "42", "path": f"/tickets/{ticket}"})
    assert_bounced(post(installed, f"/tickets/{ticket}", note(forged)), f"/tickets/{ticket}")
    assert notes(app, ticket) == []


def test_another_shops_token_cannot_act_on_this_shops_ticket(app, installed):
    [ticket] = seed_tickets(app, 1)
    page(installed, "/", shop=OTHER_SHOP)
    theirs = token_of(page(installed, "/settings/canned", shop=OTHER_SHOP))
    # their token, posted as this shop: bounced
    assert_bounced(post(installed, f"/tickets/{ticket}", note(theirs)), f"/tickets/{ticket}")
    # their token for the ticket's path, posted as their own shop: the ticket is not theirs
    with app.test_request_context():
        token = page_token.issue(shop_domain=OTHER_SHOP, user_id="42", path=f"/tickets/{ticket}")
    response = post(installed, f"/tickets/{ticket}", note(token), shop=OTHER_SHOP)
    assert response.status_code == 404
    assert notes(app, ticket) == []


def test_a_token_from_another_page_changes_nothing(app, installed):
    [ticket] = seed_tickets(app, 1)
    inbox_token = token_of(page(installed, "/inbox"))
    assert_bounced(post(installed, f"/tickets/{ticket}", note(inbox_token)), f"/tickets/{ticket}")
    assert notes(app, ticket) == []


def test_a_token_for_an_uninstalled_shop_changes_nothing(app, installed):
    from shop_plugin.extensions import session
    from shop_plugin.shops import service as shops

    [ticket] = seed_tickets(app, 1)
    token = token_of(page(installed, f"/tickets/{ticket}"))
    with app.app_context():
        shops.uninstall(shop=shops.get(domain=SHOP), triggered_at=None)
        session().commit()
    assert_bounced(post(installed, f"/tickets/{ticket}", note(token)), f"/tickets/{ticket}")
    assert notes(app, ticket) == []


def test_the_action_is_done_by_the_staff_member_named_in_the_token(app, installed):
    [ticket] = seed_tickets(app, 1)
    page(installed, "/", sub="77")
    token = token_of(page(installed, f"/tickets/{ticket}", sub="77"))
    post(installed, f"/tickets/{ticket}", {**note(token), "kind": "note"})
    [entry] = [e for e in entries(app, ticket) if e.kind == "note"]
    assert entry.author == "Staff member 77"
    assert ticket_row(app, ticket).status == "open"


def test_the_page_token_never_appears_in_a_link(installed, app):
    [ticket] = seed_tickets(app, 1)
    response = page(installed, f"/tickets/{ticket}")
    token = token_of(response)
    html = html_of(response)
    assert html.count(token) == html.count('name="page_token"')
    assert "id_token" not in html
