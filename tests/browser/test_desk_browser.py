"""The desk in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright, against the
real app served on a free port, offline.

App Bridge's part is played by a route on the browser context: every document request to the app
gets a fresh `id_token` (as App Bridge's patch-id-token page does), and Shopify's CDN, which the
pages load App Bridge from, is blocked, so the pages must work without it. Screenshots go to
test-artifacts/desk/ at the repository root.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from werkzeug.serving import make_server

from shop_plugin import create_app
from tests.admin.support import add_staff, context, seed_tickets, ticket_row
from tests.conftest import base_env, need_service
from tests.support import SHOP, FakeShopify, session_token

CHROMIUM = os.environ.get("SHIPPROMISE_CHROMIUM") or shutil.which("chromium")  # Debian's package
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "desk"


def with_id_token(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "id_token"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("id_token", session_token(SHOP))])))


@pytest.fixture
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        need_service("Playwright", str(exc))
    if not CHROMIUM or not Path(CHROMIUM).is_file():
        need_service("Chromium", f"{CHROMIUM or 'chromium'} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def served(tmp_path, sqlite_template, smtp_server):
    """The app on a temp SQLite copy, served by werkzeug on a free port; yields (base url, app, mail sink)."""
    smtp_url, sink = smtp_server
    db = tmp_path / "desk.sqlite3"
    shutil.copy(sqlite_template, db)
    app = create_app({"SHOPIFY_TRANSPORT": FakeShopify().transport()},
                     env=base_env(f"sqlite:///{db}", SMTP_URL=smtp_url))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", app, sink
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["database"].engine.dispose()


def as_app_bridge(base: str):
    """The route handler: every navigation to the app carries a fresh id_token, redirects included (App
    Bridge's patch-id-token page does this in Shopify's admin); nothing else leaves the machine."""
    def handle(route, request):
        url = urlsplit(request.url)
        if f"{url.scheme}://{url.netloc}" != base:
            return route.abort()
        if not request.is_navigation_request():
            return route.continue_()
        response = route.fetch(url=with_id_token(request.url), max_redirects=0)
        location = response.headers.get("location")
        if location is None:
            return route.fulfill(response=response)
        target = urlsplit(location)
        if target.path == "/auth/patch-id-token":
            location = dict(parse_qsl(target.query))["shopify-reload"]
        return route.fulfill(status=response.status, headers={**response.headers,
                                                              "location": with_id_token(base + location)})
    return handle


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_merchant_filters_the_inbox_replies_assigns_and_resolves(chromium, served):
    base, app, sink = served
    browser_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    browser_context.route("**/*", as_app_bridge(base))
    page = browser_context.new_page()
    start = f"{base}/?{urlencode(context())}"
    page.goto(start)
    assert "Connected to" in page.content()

    seed_tickets(app, 4)
    [urgent] = seed_tickets(app, 1, start=5, priority="urgent", reason="likely_lost", customer_name="Kim Min-ji",
                            title="My parcel has not moved in two weeks")
    helper = add_staff(app, "Min-ji", 77)

    tabs = page.get_by_role("navigation", name="ShipPromise")
    tabs.get_by_role("link", name="Inbox").click()
    page.wait_for_selector("table.tickets")
    assert page.locator("input[name=ticket_id]").count() == 5
    shot(page, "1-inbox")

    page.select_option("select[name=priority]", "urgent")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**priority=urgent**")
    assert page.locator("input[name=ticket_id]").count() == 1
    shot(page, "2-inbox-filtered")

    page.get_by_role("link", name="#9005").click()
    page.wait_for_selector("h1:has-text('My parcel has not moved')")
    assert "Order timeline" in page.content()
    shot(page, "3-ticket")

    page.fill("textarea[name=body]", "Your parcel left our warehouse today; tracking follows by email.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("p.notice:has-text('being emailed')")
    assert page.locator(".message-reply").count() == 1
    [mail] = sink.messages
    assert mail["To"] == "buyer5@example.com" and "left our warehouse today" in mail.get_content()

    page.select_option("select[name=assignee_id]", str(helper))
    page.get_by_role("button", name="Assign").click()
    page.wait_for_selector("header:has-text('Assignee: Min-ji')")

    page.select_option("select[name=status]", "resolved")
    page.get_by_role("button", name="Update status and priority").click()
    page.wait_for_selector("header .badge-resolved")
    shot(page, "4-ticket-resolved")

    row = ticket_row(app, urgent)
    assert (row.status, row.assignee_id) == ("resolved", helper)
    assert row.first_responded_at is not None

    tabs.get_by_role("link", name="Dashboard").click()
    page.wait_for_selector("svg[role=img]")
    shot(page, "5-dashboard")

    tabs.get_by_role("link", name="Settings (Shipping promise)").click()
    page.get_by_role("link", name="Support hours & SLA").click()
    page.fill("input[name=start]", "08:30")
    page.fill("input[name='sla.urgent.first_response_hours']", "2")
    page.get_by_role("button", name="Save support hours and SLA targets").click()
    page.wait_for_selector("p.notice:has-text('Saved.')")
    assert page.input_value("input[name=start]") == "08:30"
    shot(page, "6-settings-support")

    page.get_by_role("link", name="Shipping rules").click()
    page.fill("input[name='transit.0.countries']", "US")
    page.fill("input[name='transit.0.days.max']", "30")
    page.get_by_role("button", name="Preview these rules").click()
    page.wait_for_selector("#preview-trial")
    assert page.input_value("input[name='transit.0.days.max']") == "30"
    shot(page, "7-settings-shipping-preview")

    page.get_by_role("link", name="Delay rules").click()
    page.fill("input[name='delay_rules.stalled.days']", "5")
    page.uncheck("input[name='delay_rules.likely_lost.enabled']")
    page.get_by_role("button", name="Save delay rules").click()
    page.wait_for_selector("p.notice:has-text('Saved.')")
    assert page.input_value("input[name='delay_rules.stalled.days']") == "5"
    assert not page.is_checked("input[name='delay_rules.likely_lost.enabled']")
    shot(page, "8-settings-delay-rules")
    browser_context.close()
