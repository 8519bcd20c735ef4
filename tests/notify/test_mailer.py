"""Outgoing mail over a real local SMTP server: a message the relay accepted counts as sent."""
from __future__ import annotations

import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from shop_plugin.notify import mailer
from tests.conftest import SmtpSink


class QuitRefused(SmtpSink):
    async def handle_QUIT(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        return "421 closing, try later"


class DataRefused(SmtpSink):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        return "451 try again later"


def relay(handler):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, f"smtp://127.0.0.1:{port}"


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "shop@example.com", "kim@example.com", "Your order"
    mail["Message-ID"] = "<promise.1001@example.com>"
    mail.set_content("It ships by Friday.")
    return mail


def test_a_message_the_relay_accepted_is_sent_even_when_quit_goes_wrong(make_app):
    handler = QuitRefused()
    controller, url = relay(handler)
    try:
        with make_app(env={"SMTP_URL": url}).app_context():
            assert mailer.send(message()) == "<promise.1001@example.com>"
    finally:
        controller.stop()
    assert [m["Message-ID"] for m in handler.messages] == ["<promise.1001@example.com>"]


def test_a_message_the_relay_refused_is_a_failure_to_retry(make_app):
    controller, url = relay(DataRefused())
    try:
        with make_app(env={"SMTP_URL": url}).app_context(), pytest.raises(Exception, match="try again later"):
            mailer.send(message())
    finally:
        controller.stop()
