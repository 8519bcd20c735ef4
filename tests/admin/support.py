"""Helpers for the admin pages: signed App Home requests, page tokens from forms, seeded tickets."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import urlencode

from sqlalchemy import event, select

from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import StaffMember, Ticket, TicketEntry
from shop_plugin.orders.models import Order
from shop_plugin.shops.models import Shop
from tests.support import SHOP, session_token

HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWxwaGEtc3RvcmU"
NOW = datetime.now(UTC).replace(microsecond=0)


def context(shop: str = SHOP) -> dict:
    return {"shop": shop, "host": HOST, "embedded": "1"}


def page(client, path: str, shop: str = SHOP, sub: str = "42", **params):
    """A document request as App Bridge makes it: the App Home query with a fresh id_token."""
    query = urlencode({**context(shop), "id_token": session_token(shop, sub=sub), **params})
    return client.get(f"{path}?{query}")


def html_of(response) -> str:
    return response.get_data(as_text=True)


def token_of(response) -> str:
    """The page token of the page's forms."""
    return unescape(re.search(r'name="page_token" value="([^"]+)"', html_of(response)).group(1))


def post(client, path: str, data: dict, shop: str = SHOP, **params):
    """A plain form post, as the browser sends it: no session token, the App Home context in the action."""
    return client.post(f"{path}?{urlencode({**context(shop), **params})}", data=data)


def submit(client, path: str, data: dict, shop: str = SHOP, **params):
    """Open the page, then post one of its forms with the page's token."""
    return post(client, path, {"page_token": token_of(page(client, path, shop=shop)), **data}, shop=shop, **params)


def install(client, shop: str = SHOP, sub: str = "42") -> None:
    assert page(client, "/", shop=shop, sub=sub).status_code == 200


def shop_row(domain: str = SHOP) -> Shop:
    return session().scalars(select(Shop).where(Shop.domain == domain)).one()


def add_staff(app, name: str, user_id: int, domain: str = SHOP) -> int:
    with app.app_context():
        member = StaffMember(shop_id=shop_row(domain).id, user_id=user_id, name=name)
        session().add(member)
        session().commit()
        return member.id


def staff_id(app, user_id: int = 42, domain: str = SHOP) -> int:
    with app.app_context():
        return session().scalar(select(StaffMember.id).where(StaffMember.user_id == user_id,
                                                             StaffMember.shop_id == shop_row(domain).id))


def seed_tickets(app, count: int, domain: str = SHOP, start: int = 1, **fields) -> list[int]:
    """`count` open tickets, each with its order and an inbound message; due one hour apart from now."""
    ids = []
    with app.app_context():
        shop = shop_row(domain)
        for n in range(start, start + count):
            order_id = 9000 + n
            session().add(Order(shop_id=shop.id, shopify_id=order_id, name=f"#{order_id}",
                                email=f"buyer{n}@example.com", customer_name=f"Buyer {n}", currency="USD",
                                total_price=Decimal("40.00"), created_at=NOW - timedelta(days=5)))
            values = {"shop_id": shop.id, "order_shopify_id": order_id, "subject": f"order:{order_id}",
                      "reason": "past_promise", "status": "open", "priority": "normal", "tags": ["past_promise"],
                      "customer_email": f"buyer{n}@example.com", "created_at": NOW - timedelta(days=1),
                      "updated_at": NOW, "due_at": NOW + timedelta(hours=n),
                      "first_response_due_at": NOW + timedelta(hours=n),
                      "resolution_due_at": NOW + timedelta(days=2), **fields}
            ticket = Ticket(**values)
            session().add(ticket)
            session().flush()
            session().add(TicketEntry(shop_id=shop.id, ticket_id=ticket.id, kind="inbound", author=f"Buyer {n}",
                                      body=f"Where is my order #{order_id}?", created_at=NOW - timedelta(hours=20)))
            ids.append(ticket.id)
        session().commit()
    return ids


def ticket_row(app, ticket_id: int) -> Ticket:
    with app.app_context():
        ticket = session().get(Ticket, ticket_id)
        session().expunge(ticket)
        return ticket


def entries(app, ticket_id: int) -> list[TicketEntry]:
    with app.app_context():
        rows = list(session().scalars(select(TicketEntry).where(TicketEntry.ticket_id == ticket_id)
                                      .order_by(TicketEntry.id)))
        session().expunge_all()
        return rows


@contextmanager
def counted_queries(app):
    """Count the SQL statements sent while the block runs."""
    engine = app.extensions["database"].engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
