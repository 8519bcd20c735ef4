"""Every desk page is an App Home page: verified, framed only by the shop's admin, no referrer sent."""
from __future__ import annotations

import pytest

from tests.admin.support import HOST, context, html_of, page, seed_tickets
from tests.support import OTHER_SHOP, SHOP, session_token

PAGES = ["/", "/inbox", "/dashboard", "/settings", "/settings/support", "/settings/canned", "/settings/policies",
         "/settings/delays", "/settings/refunds", "/tickets/{ticket}"]


@pytest.fixture
def ticket(app, installed):
    return seed_tickets(app, 1)[0]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders_for_its_shop_with_frame_ancestors_and_no_referrer(installed, ticket, path):
    response = page(installed, path.format(ticket=ticket))
    assert response.status_code == 200
    assert f"frame-ancestors https://{SHOP} https://admin.shopify.com" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    html = html_of(response)
    for label in ("Overview", "Inbox", "Dashboard", "Settings (Shipping promise)"):
        assert f">{label}</a>" in html
    assert f"host={HOST}" in html  # links keep the App Home context for shopifyapp's bounce


@pytest.mark.parametrize("path", PAGES)
def test_an_unsigned_request_is_bounced_through_shopifyapps_patch_page(installed, ticket, path):
    response = installed.get(path.format(ticket=ticket), query_string=context())
    assert response.status_code == 302
    assert "/auth/patch-id-token?" in response.headers["Location"]
    assert "shopify-reload=" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/inbox", "/tickets/{ticket}", "/dashboard"])
def test_a_forged_or_expired_id_token_gets_no_page(installed, ticket, path):
    for token in (session_token(secret="forged-secret-0123456789abcdef0123"), session_token(ttl=-120)):
        response = installed.get(path.format(ticket=ticket), query_string={**context(), "id_token": token})
        assert response.status_code != 200
        assert "page_token" not in html_of(response)


def test_another_shops_ticket_is_not_found(app, installed, ticket):
    page(installed, "/", shop=OTHER_SHOP)
    response = page(installed, f"/tickets/{ticket}", shop=OTHER_SHOP)
    assert response.status_code == 404
    assert f"frame-ancestors https://{OTHER_SHOP} https://admin.shopify.com" in response.headers[
        "Content-Security-Policy"]
    assert "Where is my order" not in html_of(response)
    assert page(installed, "/tickets/99999").status_code == 404


def test_another_shops_tickets_are_not_in_the_inbox(app, installed, ticket):
    page(installed, "/", shop=OTHER_SHOP)
    html = html_of(page(installed, "/inbox", shop=OTHER_SHOP))
    assert "#9001" not in html and "No tickets match" in html


def test_an_unknown_settings_section_is_not_found(installed):
    assert page(installed, "/settings/nope").status_code == 404


def test_pages_load_no_script_but_app_bridge(installed, ticket):
    for path in ("/inbox", f"/tickets/{ticket}", "/dashboard", "/settings"):
        html = html_of(page(installed, path))
        assert html.count("<script") == 1 and "cdn.shopify.com/shopifycloud/app-bridge.js" in html
