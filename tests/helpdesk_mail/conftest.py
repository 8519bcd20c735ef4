"""The merchant's desk from the customer's side: a shop installed through App Home, inbound mail
posted as the provider posts it, and a real SMTP server catching what the desk sends."""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import actions
from shop_plugin.helpdesk.models import InboundEmail, Ticket, TicketAttachment, TicketEntry
from shop_plugin.shops.models import Shop
from tests.support import SHOP, bearer, fixture, session_token, signed_webhook

INBOUND_SECRET = "inbound-secret-for-tests"
INBOUND = "alpha-store@in.app.example.test"
MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
ORDER = dict(fixture("orders_create.rest_fixture.json"), email="kim@example.com", customer_locale="ko")


def mail(name: str, **replace: str) -> bytes:
    """A fixture mail, with __PLACEHOLDERS__ filled in (Message-IDs known only at run time)."""
    path = MAIL / name
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    for key, value in replace.items():
        raw = raw.replace(f"__{key.upper()}__".encode(), value.encode())
    return raw


def compose(body: str = "Hello, where is my order?", *, sender: str = "kim@example.com", to: str = INBOUND,
            subject: str = "Question", message_id: str | None = None, headers: str = "") -> bytes:
    """A small plain-text mail."""
    message_id = message_id or f"<{abs(hash((body, sender, subject)))}@mail.example.com>"
    return (f"From: Customer <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n{headers}"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


@dataclass
class Desk:
    app: object
    client: object
    sink: object

    def post(self, raw: bytes, secret: str | None = INBOUND_SECRET, **headers):
        if secret is not None:
            headers["X-ShipPromise-Inbound-Secret"] = secret
        return self.client.post("/inbound/email", data=raw, headers=headers, content_type="message/rfc822")

    def install(self, domain: str = SHOP) -> None:
        assert self.client.get(f"/?shop={domain}&embedded=1&id_token={session_token(domain)}").status_code == 200

    def settings(self, document: dict) -> None:
        assert self.client.put("/api/settings", json=document, headers=bearer()).status_code == 200

    def order(self, **fields) -> None:
        assert signed_webhook(self.client, "orders/create", dict(ORDER, **fields)).status_code == 200

    def shop(self, domain: str = SHOP) -> Shop:
        return session().scalars(select(Shop).where(Shop.domain == domain)).one()

    def tickets(self) -> list[Ticket]:
        with self.app.app_context():
            rows = list(session().scalars(select(Ticket).order_by(Ticket.id)))
            session().expunge_all()
            return rows

    def ticket(self, ticket_id: int) -> Ticket:
        with self.app.app_context():
            row = session().get(Ticket, ticket_id)
            session().expunge_all()
            return row

    def entries(self, ticket_id: int | None = None, kind: str | None = None) -> list[TicketEntry]:
        with self.app.app_context():
            stmt = select(TicketEntry).order_by(TicketEntry.id)
            if ticket_id is not None:
                stmt = stmt.where(TicketEntry.ticket_id == ticket_id)
            if kind is not None:
                stmt = stmt.where(TicketEntry.kind == kind)
            rows = list(session().scalars(stmt))
            session().expunge_all()
            return rows

    def attachments(self) -> list[TicketAttachment]:
        with self.app.app_context():
            rows = list(session().scalars(select(TicketAttachment).order_by(TicketAttachment.id)))
            session().expunge_all()
            return rows

    def inbound(self) -> list[InboundEmail]:
        with self.app.app_context():
            rows = list(session().scalars(select(InboundEmail).order_by(InboundEmail.id)))
            session().expunge_all()
            return rows

    def reply(self, ticket_id: int, body: str = "We shipped it yesterday.") -> TicketEntry:
        """Staff answer the ticket (the reply is emailed after commit)."""
        with self.app.app_context():
            s = session()
            entry, errors = actions.add_message(s, shop=self.shop(), ticket=s.get(Ticket, ticket_id), kind="reply",
                                                body=body, staff=None, now=utcnow())
            assert errors == {}
            s.commit()
            s.expunge_all()
            return entry

    def set_status(self, ticket_id: int, status: str) -> None:
        with self.app.app_context():
            s = session()
            errors = actions.update_ticket(s, shop=self.shop(), ticket=s.get(Ticket, ticket_id),
                                           changes={"status": status}, staff=None, now=utcnow())
            assert errors == {}
            s.commit()


@pytest.fixture
def make_desk(make_app, smtp_server):
    url, sink = smtp_server

    def factory(env: dict | None = None, install: bool = True, **overrides) -> Desk:
        app = make_app(env={"SMTP_URL": url, "INBOUND_EMAIL_SECRET": INBOUND_SECRET, **(env or {})}, **overrides)
        desk = Desk(app=app, client=app.test_client(), sink=sink)
        if install:
            desk.install()
        return desk

    return factory


@pytest.fixture
def desk(make_desk) -> Desk:
    return make_desk()
