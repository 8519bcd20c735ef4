"""Bounces and send failures: the entry of the mail that did not arrive says so, and why."""
from __future__ import annotations

import socket

import pytest
from sqlalchemy import select, update

from shop_plugin.db import utcnow
from shop_plugin.effects import service as effects
from shop_plugin.effects.models import Effect
from shop_plugin.extensions import session
from tests.helpdesk_mail.conftest import compose, mail
from tests.support import OTHER_SHOP


def _conversation(desk):
    desk.post(mail("plain.eml"))
    [ticket] = desk.tickets()
    return ticket, desk.reply(ticket.id)


def test_a_delivery_status_report_marks_the_reply_bounced(desk):
    ticket, reply = _conversation(desk)
    response = desk.post(mail("dsn_bounce.eml", original_id=reply.message_id))
    assert response.status_code == 202 and response.json["status"] == "bounce"
    [entry] = [e for e in desk.entries(ticket.id) if e.id == reply.id]
    assert entry.delivery_status == "bounced" and "550 5.1.1" in entry.delivery_detail
    assert any(e.body.startswith("The email to kim@example.com bounced: smtp; 550 5.1.1")
               for e in desk.entries(ticket.id, kind="system"))
    row = desk.inbound()[-1]
    assert row.status == "bounce" and row.ticket_id == ticket.id and row.shop_id == ticket.shop_id
    assert len(desk.tickets()) == 1 and len(desk.entries(ticket.id, kind="inbound")) == 1


def test_a_mailer_daemon_note_quoting_our_message_id_counts_too(desk):
    ticket, reply = _conversation(desk)
    note = (f"From: MAILER-DAEMON@mx.example.net\r\nTo: alpha-store@in.app.example.test\r\n"
            f"Subject: failure notice\r\n\r\nSorry, I couldn't deliver your message.\r\n"
            f"550 mailbox unavailable\r\n--- original message ---\r\nMessage-ID: {reply.message_id}\r\n").encode()
    desk.post(note)
    [entry] = [e for e in desk.entries(ticket.id) if e.id == reply.id]
    assert entry.delivery_status == "bounced" and entry.delivery_detail == "550 mailbox unavailable"


def test_a_delayed_report_marks_nothing(desk):
    ticket, reply = _conversation(desk)
    desk.post(mail("dsn_bounce.eml", original_id=reply.message_id).replace(b"Action: failed", b"Action: delayed"))
    [entry] = [e for e in desk.entries(ticket.id) if e.id == reply.id]
    assert entry.delivery_status == "sent"
    assert desk.inbound()[-1].status == "bounce" and desk.inbound()[-1].detail.startswith("delivery delayed")


def test_a_bounce_through_a_shops_address_only_marks_that_shops_mail(desk):
    desk.install(OTHER_SHOP)
    ticket, reply = _conversation(desk)
    report = mail("dsn_bounce.eml", original_id=reply.message_id).replace(
        b"To: notifications@app.example.test", b"To: beta-store@in.app.example.test")
    desk.post(report)
    [entry] = [e for e in desk.entries(ticket.id) if e.id == reply.id]
    assert entry.delivery_status == "sent" and desk.inbound()[-1].detail == "bounce of no message of ours"


def test_the_acknowledgement_can_bounce_as_well_and_no_bounce_is_acknowledged(desk):
    desk.post(compose("hello"))
    [ack] = [e for e in desk.entries(kind="system") if e.delivery_status]
    desk.post(mail("dsn_bounce.eml", original_id=ack.message_id))
    assert [e.delivery_status for e in desk.entries(kind="system") if e.id == ack.id] == ["bounced"]
    assert len(desk.sink.messages) == 1


class Refusing:
    """An SMTP server that refuses one mailbox for good."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "250 OK"


@pytest.fixture
def refusing_smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}"
    controller.stop()


def test_a_permanent_refusal_marks_the_reply_failed_without_retrying(make_desk, refusing_smtp):
    desk = make_desk(env={"SMTP_URL": refusing_smtp})
    desk.post(compose("hi", sender="nobody@example.com"))
    [ticket] = desk.tickets()
    reply = desk.reply(ticket.id)
    [entry] = [e for e in desk.entries(ticket.id) if e.id == reply.id]
    assert entry.delivery_status == "failed" and "550" in entry.delivery_detail
    assert any(e.body.startswith("The email to nobody@example.com could not be sent")
               for e in desk.entries(ticket.id, kind="system"))
    with desk.app.app_context():
        effect = session().scalars(select(Effect).where(Effect.kind == "ticket_reply")).one()
        assert effect.status == "failed" and effect.next_attempt_at is None


def test_an_outage_is_retried_and_the_reply_reads_failed_once_the_retries_are_used_up(make_desk):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    desk = make_desk(env={"SMTP_URL": f"smtp://127.0.0.1:{closed}"})
    desk.post(compose("hi"))
    [ticket] = desk.tickets()
    reply = desk.reply(ticket.id)
    [entry] = [e for e in desk.entries(ticket.id) if e.id == reply.id]
    assert entry.delivery_status == "queued" and entry.delivery_detail.startswith("retrying: ConnectionRefusedError")
    with desk.app.app_context():
        effect_id = session().scalar(select(Effect.id).where(Effect.kind == "ticket_reply"))
        session().execute(update(Effect).where(Effect.id == effect_id).values(
            attempts=effects.MAX_ATTEMPTS - 1, next_attempt_at=utcnow()))
        session().commit()
        assert effects.run(effect_id) == "dead"
    [entry] = [e for e in desk.entries(ticket.id) if e.id == reply.id]
    assert entry.delivery_status == "failed" and entry.delivery_detail.startswith("ConnectionRefusedError")


def test_a_person_writing_from_a_postmaster_address_is_not_a_bounce(desk):
    ticket, reply = _conversation(desk)
    desk.post(compose("Thanks for the update!", sender="postmaster@example.com", subject="Re: Where is my parcel?",
                      headers=f"In-Reply-To: {reply.message_id}\r\n"))
    [entry] = [e for e in desk.entries(ticket.id) if e.id == reply.id]
    assert entry.delivery_status == "sent" and desk.inbound()[-1].status == "threaded"
    assert desk.entries(ticket.id, kind="inbound")[-1].body == "Thanks for the update!"
