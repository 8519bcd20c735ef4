"""Which orders the delay scan must look at, and when; and which breaches are already acted on."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base


class OrderCheck(Base):
    """One row per watched order. `next_check_at` NULL means the order left the scan."""

    __tablename__ = "order_checks"
    __table_args__ = (
        UniqueConstraint("shop_id", "order_shopify_id"),
        Index("ix_order_checks_due", "next_check_at", "id"),  # keyset pages of due checks
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_shopify_id: Mapped[int] = mapped_column(BigInteger)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active_reasons: Mapped[list] = mapped_column(JSON, default=list)  # breaches already acted on
    state: Mapped[str] = mapped_column(String(20), default="watching")  # watching|delivered|cancelled|refunded
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
