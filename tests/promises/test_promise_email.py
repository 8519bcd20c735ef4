"""The optional shipping-expectations email: off by default, localized, escaped, sent once."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shop_plugin.effects.models import Effect
from shop_plugin.extensions import session
from tests.support import bearer, fixture, session_token, signed_webhook

FIXTURE = fixture("orders_create.rest_fixture.json")


def placed_now(**changes) -> dict:
    """The order, placed just now: after the install (ShipPromise never emails about orders placed
    before it) and not yet late (a late one would also get a delay notice), whatever today's date."""
    now = datetime.now(UTC)
    return dict(FIXTURE, created_at=now.isoformat(), updated_at=now.isoformat(), customer_locale="ko",
                email="kim@example.com", **changes)
RULES = {"email": {"enabled": True, "from_name": "Seoul <Beauty> Lab", "reply_to": "help@seoulbeauty.test"},
         "policies": {"refund": {"ko": "<script>alert(1)</script> 전액 환불"}}}


def setup(make_app, smtp_server, rules=RULES):
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    client.get(f"/?shop=alpha-store.myshopify.com&embedded=1&id_token={session_token()}")
    if rules:
        assert client.put("/api/settings", json=rules, headers=bearer()).status_code == 200
    return app, client, sink


def test_no_email_unless_the_merchant_switches_it_on(make_app, smtp_server):
    _, client, sink = setup(make_app, smtp_server, rules=None)
    signed_webhook(client, "orders/create", placed_now())
    assert sink.messages == []


def test_the_email_is_sent_once_in_the_customers_language(make_app, smtp_server):
    _, client, sink = setup(make_app, smtp_server)
    order = placed_now()
    signed_webhook(client, "orders/create", order)
    later = datetime.fromisoformat(order["updated_at"]) + timedelta(hours=1)
    signed_webhook(client, "orders/updated", dict(order, updated_at=later.isoformat()))
    [message] = sink.messages
    # with inbound mail on, answers go to the shop's desk; the merchant's reply_to is for shops without it
    assert message["To"] == "kim@example.com" and message["Reply-To"] == "alpha-store@in.app.example.test"
    assert "배송" in message["Subject"] or "발송" in message["Subject"]
    assert message["Message-ID"].startswith(f"<promise.{FIXTURE['id']}.")
    text = message.get_body(("plain",)).get_content()
    assert "발송" in text and "년" in text


def test_the_email_is_marked_auto_generated_so_auto_responders_do_not_answer_it(make_app, smtp_server):
    _, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", placed_now())
    assert sink.messages[0]["Auto-Submitted"] == "auto-generated"

def test_merchant_text_is_escaped_in_the_html_part(make_app, smtp_server):
    _, client, sink = setup(make_app, smtp_server)
    signed_webhook(client, "orders/create", placed_now())
    html = sink.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Seoul &lt;Beauty&gt; Lab" in html
    assert sink.messages[0]["From"].addresses[0].display_name == "Seoul <Beauty> Lab"


def test_email_settings_are_validated(make_app, smtp_server):
    _, client, _ = setup(make_app, smtp_server, rules=None)
    response = client.put("/api/settings", json={"email": {"enabled": "yes", "reply_to": "not-an-email"}},
                          headers=bearer())
    assert set(response.json["errors"]) == {"email.enabled", "email.reply_to"}


def test_a_sender_name_or_reply_address_with_a_line_break_is_refused(make_app, smtp_server):
    """Python's email package would refuse them at send time, and every mail of the shop would fail."""
    _, client, _ = setup(make_app, smtp_server, rules=None)
    response = client.put("/api/settings", json={"email": {"from_name": "Lab\r", "reply_to": "help@lab.test\n"}},
                          headers=bearer())
    assert set(response.json["errors"]) == {"email.from_name", "email.reply_to"}


def test_an_smtp_outage_is_retried_later(make_app, smtp_server):
    app = make_app(env={"SMTP_URL": "smtp://127.0.0.1:1"})
    client = app.test_client()
    client.get(f"/?shop=alpha-store.myshopify.com&embedded=1&id_token={session_token()}")
    client.put("/api/settings", json=RULES, headers=bearer())
    signed_webhook(client, "orders/create", placed_now())
    with app.app_context():
        email = session().scalars(select(Effect).where(Effect.kind == "promise_email")).one()
        assert email.status == "failed" and email.next_attempt_at is not None


def test_without_inbound_mail_customers_answer_to_the_merchants_reply_to(make_app):
    from types import SimpleNamespace

    from shop_plugin.notify import mailer

    shop = SimpleNamespace(domain="alpha-store.myshopify.com")
    settings = {"email": {"reply_to": "help@seoulbeauty.test"}}
    with make_app(INBOUND_EMAIL_SECRET=None).app_context():
        assert mailer.reply_address(shop, settings) == "help@seoulbeauty.test"
        assert mailer.reply_address(shop, {"email": {}}) is None
    with make_app().app_context():
        assert mailer.reply_address(shop, settings) == "alpha-store@in.app.example.test"
