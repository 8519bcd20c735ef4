"""Outgoing email over SMTP_URL: smtp://[user:pass@]host[:port][?starttls=1] or smtps://…"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formataddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template

from shop_plugin.shopify.client import shop_handle

log = logging.getLogger(__name__)
TIMEOUT = 20
AUTO_GENERATED = "auto-generated"  # RFC 3834: sent on the store's own initiative, not in answer to a message


def send(message: EmailMessage) -> str:
    """Hand the message to the relay; returns its Message-ID. Raises on any SMTP failure."""
    url = current_app.config["SMTP_URL"]
    if not url:
        raise RuntimeError("SMTP_URL is not set: email cannot be sent")
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 587 if parse_qs(parts.query).get("starttls") else 25)
    client_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    client = client_class(parts.hostname, port, timeout=TIMEOUT)
    try:
        if parse_qs(parts.query).get("starttls") == ["1"]:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
    except BaseException:
        client.close()
        raise
    _quit(client, message["Message-ID"])
    return message["Message-ID"]


def _quit(client: smtplib.SMTP, message_id: str) -> None:
    """Say goodbye. The relay has taken the message by now, so a failed QUIT (timeout, reset, an
    answer other than 221) must not count as a failed send: it would be retried and sent twice."""
    try:
        code, answer = client.docmd("QUIT")
        if code != 221:
            log.info("relay answered QUIT for %s with %s %r; the message was already accepted", message_id, code,
                     answer)
    except (smtplib.SMTPException, OSError) as exc:
        log.info("relay dropped the line after accepting %s: %s", message_id, exc)
    finally:
        client.close()


class _CustomerMailPolicy(EmailPolicy):
    """The default policy, but URL headers go out as written. A line over 78 characters with no space
    to fold at is otherwise turned into an RFC 2047 encoded word, and mail clients cannot read a
    List-Unsubscribe URL written that way (RFC 2369 asks for <url>; lines may run to 998)."""

    _AS_WRITTEN = frozenset({"list-unsubscribe", "list-unsubscribe-post"})

    def fold(self, name, value):
        if name.lower() in self._AS_WRITTEN:
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if name.lower() in self._AS_WRITTEN:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


CUSTOMER_MAIL = _CustomerMailPolicy()


def reply_address(shop, settings: dict) -> str | None:
    """Where a customer's answer to any of the store's emails should go: the shop's inbound address
    (<handle>@INBOUND_EMAIL_DOMAIN) when inbound mail is on, so it reaches the desk; else the
    merchant's reply-to, if set."""
    if current_app.config.get("INBOUND_EMAIL_SECRET"):
        return f"{shop_handle(shop.domain)}@{current_app.config['INBOUND_EMAIL_DOMAIN']}"
    return settings["email"].get("reply_to") or None


def store_name(shop, settings: dict) -> str:
    """The name a store signs its customer emails with: the merchant's sender name, else the shop's handle."""
    return settings["email"].get("from_name") or shop_handle(shop.domain)


def customer_message(*, store: str, to: str, reply_to: str | None, message_id: str, subject: str,
                     template: str, context: dict, unsubscribe_url: str | None = None) -> EmailMessage:
    """A store's email to its customer: From the store's name at MAIL_FROM, text and HTML parts
    rendered from `emails/<template>.txt|.html`, and a one-click unsubscribe when given. Marked as
    automatic mail (RFC 3834), so the customer's out-of-office does not answer it."""
    message = EmailMessage(policy=CUSTOMER_MAIL)
    message["Subject"] = subject
    message["From"] = formataddr((store, current_app.config["MAIL_FROM"]))
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Message-ID"] = f"<{message_id}@{current_app.config['MAIL_DOMAIN']}>"
    message["Auto-Submitted"] = AUTO_GENERATED
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: clients POST, never GET
    message.set_content(render_template(f"emails/{template}.txt", **context))
    message.add_alternative(render_template(f"emails/{template}.html", **context), subtype="html")
    return message
