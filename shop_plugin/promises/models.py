"""The promise made for an order: computed once when the order is first seen, never rewritten."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base


class OrderPromise(Base):
    __tablename__ = "order_promises"
    __table_args__ = (UniqueConstraint("shop_id", "order_shopify_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_shopify_id: Mapped[int] = mapped_column(BigInteger)
    ship_from: Mapped[date] = mapped_column(Date)
    ship_by: Mapped[date] = mapped_column(Date)
    deliver_from: Mapped[date | None] = mapped_column(Date)
    deliver_to: Mapped[date | None] = mapped_column(Date)
    adjustments: Mapped[list] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    policies: Mapped[list] = mapped_column(JSON, default=list)
    settings_version: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
