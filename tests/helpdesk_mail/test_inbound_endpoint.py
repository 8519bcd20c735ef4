"""POST /inbound/email: authenticated by the shared secret, stored before anything else, deduplicated,
routed by the shop handle in the address."""
from __future__ import annotations

from tests.helpdesk_mail.conftest import INBOUND_SECRET, compose, mail
from tests.support import OTHER_SHOP, fixture, post_chunked, signed_webhook


def test_it_rejects_a_missing_or_wrong_secret_and_stores_nothing(desk):
    assert desk.post(mail("plain.eml"), secret=None).status_code == 401
    assert desk.post(mail("plain.eml"), secret="wrong-secret").status_code == 401
    assert desk.post(mail("plain.eml"), secret="inbound-secret-for-tests-but-longer").status_code == 401
    assert desk.inbound() == [] and desk.tickets() == []


def test_it_is_off_without_a_secret(make_desk):
    desk = make_desk(env={"INBOUND_EMAIL_SECRET": ""}, install=False)
    desk.app.config["INBOUND_EMAIL_SECRET"] = None
    assert desk.post(mail("plain.eml"), secret="").status_code == 404
    assert desk.inbound() == []


def test_it_refuses_mail_over_ten_mebibytes_and_stores_nothing(desk):
    raw = compose("x" * (10 * 1024 * 1024 + 1))
    assert desk.post(raw).status_code == 413
    assert desk.inbound() == []


def test_a_chunked_mail_over_ten_mebibytes_is_refused_not_stored_cut_at_the_limit(desk):
    raw = compose("x" * (10 * 1024 * 1024 + 1))
    assert post_chunked(desk.app, "/inbound/email", raw,
                        {"X-ShipPromise-Inbound-Secret": INBOUND_SECRET}).startswith("413")
    assert desk.inbound() == []
    small = mail("plain.eml")
    assert post_chunked(desk.app, "/inbound/email", small,
                        {"X-ShipPromise-Inbound-Secret": INBOUND_SECRET}).startswith("202")
    assert [row.raw for row in desk.inbound()] == [small]


def test_mail_between_the_app_wide_limit_and_ten_mebibytes_is_accepted_and_cut(desk):
    raw = mail("huge.eml.gz")
    assert desk.app.config["MAX_CONTENT_LENGTH"] < len(raw) < 10 * 1024 * 1024
    assert desk.post(raw).status_code == 202
    [entry] = desk.entries(kind="inbound")
    assert len(entry.body) <= 20_000 and entry.body.endswith("the full message is kept with the raw email]")
    assert desk.inbound()[0].raw == raw


def test_it_stores_the_raw_mail_and_answers_202(desk):
    raw = mail("plain.eml")
    response = desk.post(raw)
    assert response.status_code == 202 and response.json["status"] == "threaded"
    [row] = desk.inbound()
    assert row.raw == raw and row.status == "threaded" and row.sender == "kim@example.com"
    assert row.recipient == "alpha-store@in.app.example.test" and row.message_id == "<plain.1@mail.example.com>"
    assert row.ticket_id == desk.tickets()[0].id and row.processed_at is not None


def test_a_provider_retry_is_a_no_op(desk):
    raw = mail("plain.eml")
    first, again = desk.post(raw), desk.post(raw)
    assert first.status_code == again.status_code == 202
    assert again.json == {"id": first.json["id"], "status": "threaded", "duplicate": True}
    assert len(desk.inbound()) == 1 and len(desk.tickets()) == 1
    assert len(desk.entries(kind="inbound")) == 1 and len(desk.sink.messages) == 1


def test_the_same_message_through_another_relay_is_stored_but_not_threaded_twice(desk):
    raw = mail("plain.eml")
    desk.post(raw)
    desk.post(b"Received: from relay2.example\r\n" + raw)
    assert len(desk.inbound()) == 2 and [r.status for r in desk.inbound()] == ["threaded", "threaded"]
    assert len(desk.entries(kind="inbound")) == 1


def test_a_plus_tag_still_reaches_the_shop(desk):
    desk.post(compose(to="Support <ALPHA-STORE+returns@in.app.example.test>"))
    [row] = desk.inbound()
    assert row.status == "threaded" and row.recipient == "alpha-store+returns@in.app.example.test"
    assert row.shop_id is not None


def test_delivered_to_and_the_envelope_header_route_mail_sent_to_another_address(desk):
    delivered_to = "Delivered-To: alpha-store@in.app.example.test\r\n"
    desk.post(compose("bcc one", to="someone@else.example", headers=delivered_to))
    desk.post(compose("bcc two", to="someone@else.example"),
              **{"X-ShipPromise-Envelope-To": "alpha-store+x@in.app.example.test"})
    assert [r.status for r in desk.inbound()] == ["threaded", "threaded"]


def test_mail_for_an_unknown_or_uninstalled_shop_is_kept_as_unroutable(desk):
    desk.post(compose("to nobody", to="no-such-store@in.app.example.test"))
    desk.post(compose("wrong domain", to="alpha-store@elsewhere.example"))
    desk.install(OTHER_SHOP)
    signed_webhook(desk.client, "app/uninstalled", fixture("app_uninstalled.rest_fixture.json"), shop=OTHER_SHOP)
    desk.post(compose("uninstalled", to="beta-store@in.app.example.test"))
    rows = desk.inbound()
    assert [r.status for r in rows] == ["unroutable"] * 3
    assert rows[2].shop_id is not None and rows[0].shop_id is None
    assert rows[0].recipient == "no-such-store@in.app.example.test" and rows[0].raw.endswith(b"to nobody\r\n")
    assert desk.tickets() == []


def test_two_shops_never_see_each_others_mail(desk):
    desk.install(OTHER_SHOP)
    desk.post(compose("for alpha", sender="kim@example.com"))
    desk.post(compose("for beta", sender="kim@example.com", to="beta-store@in.app.example.test"))
    alpha, beta = desk.tickets()
    assert alpha.shop_id != beta.shop_id
    assert [e.body for e in desk.entries(alpha.id, kind="inbound")] == ["for alpha"]
    assert [e.body for e in desk.entries(beta.id, kind="inbound")] == ["for beta"]


def test_unreadable_mail_is_kept_as_rejected_and_still_gets_202(desk):
    response = desk.post(b"\x00\x01 not a mail at all")
    assert response.status_code == 202 and response.json["status"] == "rejected"
    [row] = desk.inbound()
    assert row.status == "rejected" and row.detail.startswith("unreadable") and row.raw.startswith(b"\x00\x01")


def test_mail_without_a_usable_sender_or_from_ourselves_is_rejected(desk):
    desk.post(b"To: alpha-store@in.app.example.test\r\nSubject: who?\r\n\r\nno sender\r\n")
    desk.post(compose("loop", sender="notifications@app.example.test"))
    assert [(r.status, r.detail) for r in desk.inbound()] == [
        ("rejected", "no valid sender address"), ("rejected", "sent from ShipPromise's own domain (a mail loop)")]
    assert desk.tickets() == []


def test_a_failure_after_storing_answers_503_and_the_retry_processes_the_stored_mail(desk, monkeypatch):
    from shop_plugin.helpdesk import mail_inbox

    real = mail_inbox.receive
    monkeypatch.setattr(mail_inbox, "receive", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("db hiccup")))
    raw = mail("plain.eml")
    assert desk.post(raw).status_code == 503
    [row] = desk.inbound()
    assert row.status == "received" and row.processed_at is None
    monkeypatch.setattr(mail_inbox, "receive", real)
    retry = desk.post(raw)
    assert retry.status_code == 202 and retry.json["status"] == "threaded" and retry.json["duplicate"] is True
    assert len(desk.tickets()) == 1


def test_control_characters_in_a_body_are_dropped_so_every_database_stores_it(desk):
    response = desk.post(compose("hello\x00 wor\x07ld\ttab"))
    assert response.status_code == 202 and response.json["status"] == "threaded"
    assert desk.entries(kind="inbound")[0].body == "hello world\ttab"


def test_a_stored_mail_the_provider_stopped_retrying_is_processed_by_the_sweep(desk, monkeypatch):
    from datetime import timedelta

    from sqlalchemy import update

    from shop_plugin.db import utcnow
    from shop_plugin.extensions import session
    from shop_plugin.helpdesk import mail_inbox
    from shop_plugin.helpdesk.models import InboundEmail

    real = mail_inbox.receive
    monkeypatch.setattr(mail_inbox, "receive", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("db hiccup")))
    assert desk.post(mail("plain.eml")).status_code == 503
    monkeypatch.setattr(mail_inbox, "receive", real)
    with desk.app.app_context():
        assert mail_inbox.sweep() == 0  # the provider's retries come first
        session().execute(update(InboundEmail).values(received_at=utcnow() - timedelta(minutes=11)))
        session().commit()
        assert mail_inbox.sweep() == 1  # inline jobs: processed now
        assert mail_inbox.sweep() == 0
    [row] = desk.inbound()
    assert row.status == "threaded" and row.ticket_id is not None
    assert len(desk.tickets()) == 1


def test_raw_mail_is_replaced_by_a_marker_after_the_retention_and_stays_deduplicated(desk):
    from datetime import timedelta

    from sqlalchemy import update

    from shop_plugin.db import utcnow
    from shop_plugin.extensions import session
    from shop_plugin.helpdesk import mail_inbox
    from shop_plugin.helpdesk.models import InboundEmail

    old, recent = mail("plain.eml"), compose("a newer question")
    assert desk.post(old).status_code == 202 and desk.post(recent).status_code == 202
    first, second = desk.inbound()
    with desk.app.app_context():
        session().execute(update(InboundEmail).where(InboundEmail.id == first.id)
                          .values(processed_at=utcnow() - timedelta(days=31)))
        session().commit()
        assert mail_inbox.purge_raw() == 1
        assert mail_inbox.purge_raw() == 0
    purged, kept = desk.inbound()
    assert purged.raw == mail_inbox.PURGED and purged.status == "threaded" and kept.raw == recent
    assert purged.sender  # it reached a ticket, which names the customer anyway
    entries = desk.entries(kind="inbound")
    assert len(entries) == 2 and all(entry.body for entry in entries)
    again = desk.post(old)  # a very late provider retry of the purged mail is still recognised
    assert again.status_code == 202 and again.json["duplicate"] is True and len(desk.inbound()) == 2


def test_retention_also_forgets_who_sent_mail_that_reached_no_ticket(desk):
    from datetime import timedelta

    from sqlalchemy import update

    from shop_plugin.db import utcnow
    from shop_plugin.extensions import session
    from shop_plugin.helpdesk import mail_inbox
    from shop_plugin.helpdesk.models import InboundEmail

    assert desk.post(compose("hello", to="nobody-here@in.app.example.test")).json["status"] == "unroutable"
    with desk.app.app_context():
        session().execute(update(InboundEmail).values(processed_at=utcnow() - timedelta(days=31)))
        session().commit()
        mail_inbox.purge_raw()
    [row] = desk.inbound()
    assert row.raw == mail_inbox.PURGED and row.sender is None and row.status == "unroutable"
