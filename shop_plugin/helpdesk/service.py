"""Tickets: opened or updated per order and reason, resolved, listed. Always scoped by shop."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, exists, or_, select, text, union_all, update
from sqlalchemy.orm import Session

from shop_plugin.db import dialect_insert, dialect_name
from shop_plugin.helpdesk.models import NOT_AUTOMATIC, OPEN_STATUSES, Ticket, TicketEntry
from shop_plugin.helpdesk.sla import due_times
from shop_plugin.orders.models import Order
from shop_plugin.shops.models import Shop

PRIORITY = {"delivery_exception": "urgent", "likely_lost": "urgent", "dispute": "urgent", "inquiry": "urgent",
            "past_promise": "high"}


def _open_ticket(s: Session, shop: Shop, subject: str, reason: str) -> Ticket | None:
    return s.scalars(select(Ticket).where(
        Ticket.shop_id == shop.id, Ticket.subject == subject, Ticket.reason == reason,
        Ticket.status.in_(OPEN_STATUSES)).with_for_update()).one_or_none()


def open_or_update(s: Session, *, shop: Shop, order_id: int | None, reason: str, note: str, settings: dict,
                   now: datetime, tags: tuple[str, ...] = (), subject: str | None = None,
                   resolution_due_at: datetime | None = None, locale: str | None = None) -> tuple[Ticket, bool]:
    """The open ticket for (subject, reason), created if there is none (in `locale`, the language its
    automatic mail and reply subjects use); returns (ticket, created).

    The subject is the order unless given (a dispute). The partial unique index on open
    tickets settles races between webhooks and scans."""
    subject = subject or f"order:{order_id}"
    ticket = _open_ticket(s, shop, subject, reason)
    created = False
    if ticket is None:
        priority = PRIORITY.get(reason, "normal")
        first_due, resolution_due = due_times(now, priority, settings)
        stmt = dialect_insert(s, Ticket.__table__).values(
            shop_id=shop.id, order_shopify_id=order_id, subject=subject, reason=reason, status="open",
            priority=priority, tags=sorted({reason, *tags}), created_at=now, updated_at=now,
            first_response_due_at=first_due, resolution_due_at=resolution_due_at or resolution_due,
            due_at=first_due, locale=locale,
        ).on_conflict_do_nothing(index_elements=["shop_id", "subject", "reason"],
                                 index_where=text("status IN ('open', 'pending')"))
        created = s.execute(stmt.returning(Ticket.id)).scalar_one_or_none() is not None
        ticket = _open_ticket(s, shop, subject, reason)
    ticket.updated_at = now
    add_system_line(s, shop=shop, ticket_id=ticket.id, body=note, now=now)
    return ticket, created


def add_system_line(s: Session, *, shop: Shop, ticket_id: int, body: str, now: datetime) -> None:
    """A line written by ShipPromise on one ticket (what it found, what it did)."""
    s.add(TicketEntry(shop_id=shop.id, ticket_id=ticket_id, kind="system", body=body, created_at=now))


def note_open_tickets(s: Session, *, shop: Shop, order_id: int, body: str, now: datetime) -> int:
    """The same note on every open ticket of an order (refund prompts and refunds concern them all)."""
    ids = list(s.scalars(select(Ticket.id).where(Ticket.shop_id == shop.id, Ticket.order_shopify_id == order_id,
                                                 Ticket.status.in_(OPEN_STATUSES))))
    for ticket_id in ids:
        add_system_line(s, shop=shop, ticket_id=ticket_id, body=body, now=now)
    return len(ids)


def close(s: Session, *, shop: Shop, subject: str, note: str, now: datetime) -> int:
    """Close the subject's open tickets (e.g. a decided dispute), each with a note."""
    tickets = s.scalars(select(Ticket).where(Ticket.shop_id == shop.id, Ticket.subject == subject,
                                             Ticket.status.in_(OPEN_STATUSES))).all()
    return _finish(s, shop, tickets, "closed", note, now)


def resolve(s: Session, *, shop: Shop, order_id: int, reasons: tuple[str, ...], note: str, now: datetime) -> int:
    """Resolve the order's open tickets for these reasons, each with a note; returns how many. A ticket
    whose customer wrote last (their message awaits an answer) gets the note but stays open: what set
    it off is over, the conversation is not."""
    tickets = s.scalars(select(Ticket).where(
        Ticket.shop_id == shop.id, Ticket.order_shopify_id == order_id, Ticket.reason.in_(reasons),
        Ticket.status.in_(OPEN_STATUSES))).all()
    waiting = _awaiting_answer(s, [t.id for t in tickets])
    for ticket in tickets:
        if ticket.id in waiting:
            add_system_line(s, shop=shop, ticket_id=ticket.id, now=now,
                            body=f"{note} Left open: the customer's last message awaits an answer.")
    return _finish(s, shop, [t for t in tickets if t.id not in waiting], "resolved", note, now)


def _awaiting_answer(s: Session, ticket_ids: list[int]) -> set[int]:
    """The tickets whose newest conversation entry is the customer's (an automatic reply is none)."""
    if not ticket_ids:
        return set()
    last = {}
    for ticket_id, kind in s.execute(
            select(TicketEntry.ticket_id, TicketEntry.kind)
            .where(TicketEntry.ticket_id.in_(ticket_ids), TicketEntry.kind.in_(("inbound", "reply")), NOT_AUTOMATIC)
            .order_by(TicketEntry.created_at, TicketEntry.id)):
        last[ticket_id] = kind
    return {ticket_id for ticket_id, kind in last.items() if kind == "inbound"}


def _finish(s: Session, shop: Shop, tickets, status: str, note: str, now: datetime) -> int:
    for ticket in tickets:
        add_system_line(s, shop=shop, ticket_id=ticket.id, body=note, now=now)
    if tickets:
        ids = [t.id for t in tickets]
        s.execute(update(Ticket).where(Ticket.id.in_(ids), Ticket.resolution_due_at < now)
                  .values(resolution_breached=True))
        s.execute(update(Ticket).where(Ticket.id.in_(ids))
                  .values(status=status, resolved_at=now, updated_at=now, due_at=None, paused_at=None))
    return len(tickets)


def get(s: Session, *, shop: Shop, ticket_id: int) -> Ticket | None:
    """One ticket of this shop."""
    return s.scalars(select(Ticket).where(Ticket.shop_id == shop.id, Ticket.id == ticket_id)).one_or_none()


ORDER_NUMBER = re.compile(r"^#?\d{1,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    priority: str | None = None
    reason: str | None = None
    assignee_id: int | None = None  # 0: unassigned
    tag: str | None = None
    q: str | None = None
    order_id: int | None = None


def _filtered(shop: Shop, f: Filters):
    """The shop's tickets narrowed by every filter except the search text (see `_search`)."""
    stmt = select(Ticket).where(Ticket.shop_id == shop.id)
    for column, value in ((Ticket.status, f.status), (Ticket.priority, f.priority), (Ticket.reason, f.reason),
                          (Ticket.order_shopify_id, f.order_id)):
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    if f.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id.is_(None) if f.assignee_id == 0 else Ticket.assignee_id == f.assignee_id)
    if f.tag:
        # Tags are slugs (letters, digits, - and _), so the quoted tag matches only itself in the JSON list.
        stmt = stmt.where(cast(Ticket.tags, String).contains(f'"{f.tag}"', autoescape=True))
    return stmt


MIN_MESSAGE_SEARCH = 3  # characters: shorter text is looked for in titles, addresses and order names only


def _search(shop: Shop, q: str) -> list:
    """What the search box matches, as alternatives: a ticket matches when any one of them does.

    - a whole order number ("#1001" or "1001"): that order's tickets, by the indexed order name;
    - a whole email address: tickets with that customer address or on that customer's orders
      (the whole address, as typed or in lower case);
    - anything else, after a leading "#": a case-insensitive substring (`%` and `_` match
      themselves) of the ticket's title, customer address or order name, or of any message on
      the ticket. Message bodies are searched only when the text has at least
      MIN_MESSAGE_SEARCH (3) characters: PostgreSQL's trigram indexes (migration 7c1e4b9a2f60)
      cannot serve shorter text, which would read every message of the shop. Even so, 1 or 2
      characters read the shop's tickets and orders (about 0.3 s at 100,000 tickets).
      "#" alone searches nothing (every ticket).

    On PostgreSQL each alternative is served by a GIN trigram index (or, when the text is common,
    by walking the shop's newest tickets); `get_all` pages each one and merges the pages, in one
    statement. SQLite has no such index and reads the rows: it is the small embedded default."""
    q = q.strip()
    if ORDER_NUMBER.match(q):
        number = q.lstrip("#")
        names = select(Order.shopify_id).where(Order.shop_id == shop.id, Order.name.in_([f"#{number}", number]))
        return [Ticket.order_shopify_id.in_(names)]
    if EMAIL.match(q):
        orders = select(Order.shopify_id).where(Order.shop_id == shop.id, Order.email.in_({q, q.lower()}))
        return [Ticket.customer_email == q.lower(), Ticket.order_shopify_id.in_(orders)]
    term = q.lstrip("#")
    if not term:
        return []
    orders = select(Order.shopify_id).where(Order.shop_id == shop.id, Order.name.icontains(term, autoescape=True))
    found = [or_(Ticket.title.icontains(term, autoescape=True), Ticket.customer_email.icontains(term, autoescape=True)),
             Ticket.order_shopify_id.in_(orders)]
    if len(term) >= MIN_MESSAGE_SEARCH:
        found.append(exists().where(TicketEntry.ticket_id == Ticket.id, TicketEntry.shop_id == shop.id,
                                    TicketEntry.body.icontains(term, autoescape=True)))
    return found


def _paged(stmt, sort: str, before_id: int | None, after: tuple | None):
    """The keyset cursor and the order of the sort."""
    if sort == "due":
        if after is not None:
            due, last_id = after
            stmt = stmt.where(or_(Ticket.due_at > due, and_(Ticket.due_at == due, Ticket.id > last_id),
                                  Ticket.due_at.is_(None)) if due is not None
                              else and_(Ticket.due_at.is_(None), Ticket.id > last_id))
        return stmt.order_by(Ticket.due_at.asc().nulls_last(), Ticket.id)
    if before_id:
        stmt = stmt.where(Ticket.id < before_id)
    return stmt.order_by(Ticket.id.desc())


def get_all(s: Session, *, shop: Shop, order_id: int | None = None, status: str | None = None,
            reason: str | None = None, limit: int = 50, before_id: int | None = None,
            filters: Filters | None = None, sort: str = "newest", after: tuple | None = None) -> list[Ticket]:
    """Keyset-paged tickets. sort "newest": by id, newest first, `before_id` as cursor.
    sort "due": soonest SLA deadline first (tickets without one last), `after` = (due_at, id) as cursor.

    A search with several alternatives (see `_search`) is one statement: each alternative's own
    page (filtered, sorted, limited, each on its own index), and the first `limit` of their union.
    One OR across the tables would make PostgreSQL read every ticket or message of the shop."""
    f = filters or Filters(status=status, reason=reason, order_id=order_id)
    stmt = _filtered(shop, f)
    alternatives = _search(shop, f.q) if f.q else []
    if len(alternatives) > 1:
        if dialect_name(s) == "postgresql":
            # The best plan depends on the text (a common word walks the newest tickets, a rare one
            # reads the trigram indexes), so never a generic plan: psycopg prepares a statement run
            # 5 times on a connection, and PostgreSQL would then plan it once for any text.
            s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        pages = [_paged(stmt.where(alternative), sort, before_id, after).with_only_columns(Ticket.id)
                 .limit(limit).subquery() for alternative in alternatives]
        ids = union_all(*(select(page.c.id) for page in pages))
        stmt = _paged(select(Ticket).where(Ticket.shop_id == shop.id, Ticket.id.in_(ids)), sort, None, None)
    else:
        stmt = _paged(stmt.where(*alternatives), sort, before_id, after)
    return list(s.scalars(stmt.limit(limit)))


def entries(s: Session, *, shop: Shop, ticket_id: int) -> list[TicketEntry]:
    return list(s.scalars(select(TicketEntry).where(
        TicketEntry.shop_id == shop.id, TicketEntry.ticket_id == ticket_id).order_by(TicketEntry.id)))
