"""Refund prompts (a recommendation the merchant accepts or dismisses) and customers' choices."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base

PENDING_ONLY = text("status = 'pending'")
STATUSES = ("pending", "accepted", "dismissed", "refunded", "failed")


class RefundPrompt(Base):
    __tablename__ = "refund_prompts"
    __table_args__ = (
        UniqueConstraint("shop_id", "order_shopify_id", "trigger"),  # a trigger prompts once per order
        Index("uq_refund_prompts_pending", "shop_id", "order_shopify_id", unique=True,
              sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY),  # at most one pending per order
        Index("ix_refund_prompts_shop_list", "shop_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_shopify_id: Mapped[int] = mapped_column(BigInteger)
    trigger: Mapped[str] = mapped_column(String(40))
    recommended: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    expected_chargeback_cost: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    rationale: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    refund_shopify_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


CHOICES = ("discount", "refund")
# offered: email scheduled; skipped: not sent (delivered, opted out, …); chosen: the customer's
# choice is being carried out; done; referred: a refund over the merchant's caps, left to them; failed.
CHOICE_STATUSES = ("offered", "skipped", "chosen", "done", "referred", "failed")


class CustomerChoice(Base):
    """One offer per late order: keep waiting with a discount code, or a refund now. Taken once."""

    __tablename__ = "customer_choices"
    __table_args__ = (UniqueConstraint("shop_id", "order_shopify_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_shopify_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(20))
    nonce: Mapped[str] = mapped_column(String(64))  # in every link; a link for another nonce is void
    status: Mapped[str] = mapped_column(String(20), default="offered")
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chosen: Mapped[str | None] = mapped_column(String(20))  # set once, by a conditional update
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discount_percent: Mapped[int] = mapped_column(Integer)
    discount_code: Mapped[str | None] = mapped_column(String(40))
    discount_shopify_id: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    refund_prompt_id: Mapped[int | None] = mapped_column(ForeignKey("refund_prompts.id", ondelete="SET NULL"))
    detail: Mapped[str | None] = mapped_column(Text)
