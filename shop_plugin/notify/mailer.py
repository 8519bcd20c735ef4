"""Outgoing email over SMTP_URL: smtp://[user:pass@]host[:port][?starttls=1] or smtps://…"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

TIMEOUT = 20


def send(message: EmailMessage) -> str:
    """Hand the message to the relay; returns its Message-ID. Raises on any SMTP failure."""
    url = current_app.config["SMTP_URL"]
    if not url:
        raise RuntimeError("SMTP_URL is not set: email cannot be sent")
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 587 if parse_qs(parts.query).get("starttls") else 25)
    client_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with client_class(parts.hostname, port, timeout=TIMEOUT) as client:
        if parse_qs(parts.query).get("starttls") == ["1"]:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
    return message["Message-ID"]
