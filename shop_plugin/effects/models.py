"""An effect outside our database (a metafield write, an email, a refund), recorded once per key in
the same transaction as the state that calls for it, and run afterwards until it is done.

Shopify calls take effect once however often they run (refund idempotency keys, discount codes
chosen before the call, metafield upserts). An email is sent again only if its worker dies after
the relay accepted it and before the effect was marked done; the resend carries the same
Message-ID, which many mailboxes fold into one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base

PENDING, DONE = "pending", "done"


class Effect(Base):
    __tablename__ = "effects"
    __table_args__ = (UniqueConstraint("shop_id", "kind", "key"), Index("ix_effects_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
