"""What a customer asked us to export, kept for the merchant to hand over."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base


class DataRequest(Base):
    __tablename__ = "customer_data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    webhook_event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    customer_email: Mapped[str | None] = mapped_column(String(320))
    export: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
