"""Every webhook delivery, stored raw before it is acknowledged."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base

RECEIVED, PROCESSING, PROCESSED, IGNORED, FAILED, DEAD = (
    "received", "processing", "processed", "ignored", "failed", "dead"
)
STATUSES = (RECEIVED, PROCESSING, PROCESSED, IGNORED, FAILED, DEAD)
# What a body becomes when its personal data is erased: at the customer's request (customers/redact),
# or after the retention period (events/retention.py). An event with such a body has nothing to apply.
REDACTED_BODY = b'{"redacted": true}'
EXPIRED_BODY = b'{"removed": "after the retention period"}'
ERASED_BODIES = (REDACTED_BODY, EXPIRED_BODY)


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("shop_domain", "webhook_id"),
        Index("ix_webhook_events_due", "status", "next_attempt_at"),
        Index("ix_webhook_events_order", "shop_domain", "order_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    webhook_id: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[str | None] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(100))
    api_version: Mapped[str | None] = mapped_column(String(20))
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    headers: Mapped[dict] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(20), default="webhook")
    status: Mapped[str] = mapped_column(String(20), default=RECEIVED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RetentionMark(Base):
    """How far a retention job has gone through a table (the highest id it has dealt with), so each run
    reads only the rows added since."""

    __tablename__ = "retention_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
