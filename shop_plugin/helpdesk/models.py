"""Tickets, their messages and attachments, the shop's staff, canned replies and inbound mail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base

OPEN_STATUSES = ("open", "pending")
STATUSES = ("open", "pending", "resolved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
OPEN_ONLY = text("status IN ('open', 'pending')")
# GIN trigram indexes for ticket search (migration 7c1e4b9a2f60) exist on PostgreSQL only, so they are
# not declared on the models; the comparisons of models and database leave them out by these names.
POSTGRES_ONLY_INDEXES = frozenset({"ix_ticket_entries_body_trgm", "ix_tickets_text_trgm", "ix_orders_name_trgm"})
# inbound: from the customer; reply: from staff to the customer; note: internal, by staff;
# system: written by ShipPromise (delay found, refund prompt, status change).
ENTRY_KINDS = ("inbound", "reply", "note", "system")
# The source of an inbound entry that is an automatic reply (out of office): kept, but nobody wrote it.
AUTO_REPLY = "auto_reply"


class StaffMember(Base):
    """A member of the shop's staff who opened the app (user id from the session token)."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("shop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Never two open tickets for one subject (an order, a dispute, a customer) and reason,
        # whatever races between webhooks, scans and inbound mail.
        Index("uq_tickets_open_per_reason", "shop_id", "subject", "reason", unique=True,
              sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY),
        Index("ix_tickets_shop_list", "shop_id", "id"),
        Index("ix_tickets_order", "shop_id", "order_shopify_id"),
        Index("ix_tickets_inbox", "shop_id", "status", "due_at", "id"),
        Index("ix_tickets_due", "shop_id", "due_at", "id"),
        Index("ix_tickets_assignee", "shop_id", "assignee_id", "id"),
        Index("ix_tickets_customer", "shop_id", "customer_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_shopify_id: Mapped[int | None] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(60))  # "order:<id>", "dispute:<id>" or "customer:<email hash>"
    reason: Mapped[str] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(200))  # what the customer wrote in the subject line
    status: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    customer_email: Mapped[str | None] = mapped_column(String(320))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The next SLA deadline: first response while unanswered, then resolution; none while
    # pending (paused) or once resolved. The inbox sorts on it.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set while pending: SLA clocks stop
    first_response_breached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    csat_rating: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketEntry(Base):
    """One message on a ticket: from the customer, a reply to them, an internal note or a system line."""

    __tablename__ = "ticket_entries"
    __table_args__ = (
        UniqueConstraint("shop_id", "message_id"),
        Index("ix_ticket_entries_ticket", "ticket_id", "id"),
        Index("ix_ticket_entries_shop_ticket", "shop_id", "ticket_id"),  # search walks a shop's newest tickets
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # one of ENTRY_KINDS
    author: Mapped[str] = mapped_column(String(100), default="ShipPromise")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    # Email threading: our Message-ID for replies, the customer's for inbound mail.
    message_id: Mapped[str | None] = mapped_column(String(255))
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    email_from: Mapped[str | None] = mapped_column(String(320))
    # Inbound: True when the sender is proven (the mail provider's SPF/DKIM/DMARC, or the contact form
    # of the order's logged-in customer), False when the provider's checks failed, None if unchecked.
    sender_verified: Mapped[bool | None] = mapped_column(Boolean)
    email_to: Mapped[str | None] = mapped_column(String(320))
    source: Mapped[str | None] = mapped_column(String(20))  # email | form | admin | api | auto_reply
    delivery_status: Mapped[str | None] = mapped_column(String(20))  # replies: queued | sent | bounced | failed
    delivery_detail: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# An entry somebody wrote (every entry but an automatic reply), for queries; NULL sources included.
NOT_AUTOMATIC = TicketEntry.source.is_distinct_from(AUTO_REPLY)


class TicketAttachment(Base):
    """A file that came with an inbound message, kept within the size and type limits."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("ticket_entries.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedReply(Base):
    """A reply the shop writes once and reuses, with {{ variables }} filled per ticket."""

    __tablename__ = "canned_replies"
    __table_args__ = (UniqueConstraint("shop_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundEmail(Base):
    """Raw mail from the provider's inbound hook, stored before it is answered; kept even when
    it belongs to no known shop (unroutable) so nothing is dropped."""

    __tablename__ = "inbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the raw bytes: retries dedupe
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str | None] = mapped_column(String(320))
    sender: Mapped[str | None] = mapped_column(String(320))
    message_id: Mapped[str | None] = mapped_column(String(255))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    # received | threaded | bounce | unroutable | rejected | auto_reply (an automatic reply to no ticket)
    status: Mapped[str] = mapped_column(String(20), default="received")
    detail: Mapped[str | None] = mapped_column(String(300))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
