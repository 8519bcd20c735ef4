"""Rows written straight to the database, so each test states exactly the desk it needs."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import CannedReply, StaffMember, Ticket, TicketAttachment, TicketEntry
from shop_plugin.orders.models import Order
from shop_plugin.shops import service as shops
from tests.support import SHOP

NOW = datetime.now(UTC).replace(microsecond=0)
_subjects = itertools.count(1)


def _add(app, shop: str, make) -> int:
    with app.app_context():
        s = session()
        row = make(shops.get_or_create(domain=shop).id)
        s.add(row)
        s.commit()
        return row.id


def ticket(app, shop: str = SHOP, **fields) -> int:
    values = {"subject": f"customer:{next(_subjects)}", "reason": "question", "status": "open",
              "priority": "normal", "tags": [], "created_at": NOW, "updated_at": NOW, **fields}
    return _add(app, shop, lambda shop_id: Ticket(shop_id=shop_id, **values))


def order(app, shopify_id: int, shop: str = SHOP, **fields) -> int:
    values = {"name": f"#{shopify_id}", "email": f"buyer{shopify_id}@example.com", "currency": "USD",
              "total_price": Decimal("80.00"), "created_at": NOW, "updated_at": NOW, **fields}
    return _add(app, shop, lambda shop_id: Order(shop_id=shop_id, shopify_id=shopify_id, **values))


def staff(app, user_id: int, shop: str = SHOP, **fields) -> int:
    return _add(app, shop, lambda shop_id: StaffMember(shop_id=shop_id, user_id=user_id, first_seen_at=NOW,
                                                       last_seen_at=NOW, **fields))


def entry(app, ticket_id: int, kind: str = "inbound", body: str = "Where is my order?", shop: str = SHOP,
          **fields) -> int:
    values = {"created_at": NOW, "author": "Customer", **fields}
    return _add(app, shop, lambda shop_id: TicketEntry(shop_id=shop_id, ticket_id=ticket_id, kind=kind, body=body,
                                                       **values))


def attachment(app, entry_id: int, filename: str = "photo.jpg", shop: str = SHOP) -> int:
    return _add(app, shop, lambda shop_id: TicketAttachment(shop_id=shop_id, entry_id=entry_id, filename=filename,
                                                            content_type="image/jpeg", size=3, data=b"abc",
                                                            created_at=NOW))


def canned(app, title: str, body: str, shop: str = SHOP) -> int:
    return _add(app, shop, lambda shop_id: CannedReply(shop_id=shop_id, title=title, body=body, created_at=NOW,
                                                       updated_at=NOW))


def load(app, model, row_id: int):
    with app.app_context():
        return session().get(model, row_id)
