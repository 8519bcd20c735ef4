"""Tickets and their notes and messages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base

OPEN_STATUSES = ("open", "pending")
STATUSES = ("open", "pending", "resolved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
OPEN_ONLY = text("status IN ('open', 'pending')")


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Never two open tickets for one subject (an order, a dispute) and reason, whatever races
        # between webhooks and scans.
        Index("uq_tickets_open_per_reason", "shop_id", "subject", "reason", unique=True,
              sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY),
        Index("ix_tickets_shop_list", "shop_id", "id"),
        Index("ix_tickets_order", "shop_id", "order_shopify_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_shopify_id: Mapped[int | None] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(60))  # "order:<id>" or "dispute:<id>"
    reason: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketEntry(Base):
    """A note (internal) or a message (to or from the customer) on a ticket."""

    __tablename__ = "ticket_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # note | message_in | message_out
    author: Mapped[str] = mapped_column(String(100), default="ShipPromise")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
