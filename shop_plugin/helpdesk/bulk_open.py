"""Open or update the tickets of many orders at once (a page of the delay scan).

For each (order, reason) the same as `service.open_or_update`: the open ticket, created where
there is none, with the note as a system line. In a few statements however many: one INSERT …
ON CONFLICT DO NOTHING on the partial unique index of open tickets (which settles races with
webhooks and other scans), one SELECT … FOR UPDATE of those that were open already (only if
any), one INSERT of the lines. Service-level times are worked out once per shop and priority.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore_many, one_of
from shop_plugin.helpdesk.models import OPEN_ONLY, OPEN_STATUSES, Ticket, TicketEntry
from shop_plugin.helpdesk.service import PRIORITY
from shop_plugin.helpdesk.sla import due_times
from shop_plugin.shops.models import Shop

KEY = ["shop_id", "subject", "reason"]
ATTEMPTS = 3  # an open ticket resolved between our INSERT and SELECT: insert again


@dataclass(frozen=True)
class Opening:
    shop: Shop
    order_id: int
    reason: str
    note: str
    settings: dict
    tags: tuple[str, ...] = ()
    locale: str | None = None  # the customer's language (the order's), for what staff send from the ticket

    @property
    def key(self) -> tuple[int, str, str]:
        return self.shop.id, f"order:{self.order_id}", self.reason


def open_many(s: Session, openings: list[Opening], now: datetime) -> dict[tuple[int, str, str], tuple[int, bool]]:
    """(shop id, subject, reason) → (ticket id, created) for every opening; one line per opening."""
    wanted: dict[tuple[int, str, str], Opening] = {}
    for opening in openings:
        wanted.setdefault(opening.key, opening)
    found: dict[tuple[int, str, str], tuple[int, bool]] = {}
    sla: dict[tuple[int, str], tuple[datetime, datetime]] = {}
    for _ in range(ATTEMPTS):
        if len(found) == len(wanted):
            break
        for row in insert_ignore_many(s, Ticket.__table__, [_row(o, now, sla) for k, o in wanted.items()
                                                            if k not in found], KEY,
                                      [Ticket.id, Ticket.shop_id, Ticket.subject, Ticket.reason],
                                      index_where=OPEN_ONLY):
            found[(row.shop_id, row.subject, row.reason)] = (row.id, True)
        if rest := [o for k, o in wanted.items() if k not in found]:  # open already, or opened meanwhile
            for row in s.execute(select(Ticket.id, Ticket.shop_id, Ticket.subject, Ticket.reason).where(
                    one_of(s, Ticket.shop_id, {o.shop.id for o in rest}),
                    one_of(s, Ticket.subject, {o.key[1] for o in rest}),
                    Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id).with_for_update()):
                key = (row.shop_id, row.subject, row.reason)
                if key in wanted and key not in found:
                    found[key] = (row.id, False)
    if len(found) < len(wanted):
        raise RuntimeError(f"could neither open nor find {len(wanted) - len(found)} open ticket(s)")
    if existing := [ticket_id for ticket_id, created in found.values() if not created]:
        s.execute(update(Ticket).where(Ticket.id.in_(existing)).values(updated_at=now))
    if openings:
        s.execute(insert(TicketEntry.__table__), [
            {"shop_id": o.shop.id, "ticket_id": found[o.key][0], "kind": "system", "body": o.note,
             "created_at": now} for o in openings])
    return found


def _row(o: Opening, now: datetime, sla: dict) -> dict:
    priority = PRIORITY.get(o.reason, "normal")
    if (o.shop.id, priority) not in sla:
        sla[(o.shop.id, priority)] = due_times(now, priority, o.settings)
    first_due, resolution_due = sla[(o.shop.id, priority)]
    shop_id, subject, reason = o.key
    return {"shop_id": shop_id, "order_shopify_id": o.order_id, "subject": subject, "reason": reason,
            "status": "open", "priority": priority, "tags": sorted({reason, *o.tags}), "created_at": now,
            "updated_at": now, "locale": o.locale, "first_response_due_at": first_due,
            "resolution_due_at": resolution_due, "due_at": first_due}
