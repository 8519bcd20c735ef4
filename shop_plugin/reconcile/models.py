"""Reconciliation runs: one pass over a shop's orders updated since a time, resumable from its cursor.

A run is a durable unit of work like a webhook event (claimed with a lease, retried with backoff).
`active_key` is set while a backfill or periodic run is unfinished: the unique (shop, active_key)
pair means a shop never has two of either kind at once, however often they are triggered.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base

BACKFILL, PERIODIC, MANUAL = "backfill", "periodic", "manual"
KINDS = (BACKFILL, PERIODIC, MANUAL)
PENDING, RUNNING, FAILED, DEAD, DONE = "pending", "processing", "failed", "dead", "done"


class ReconcileRun(Base):
    __tablename__ = "reconcile_runs"
    __table_args__ = (
        UniqueConstraint("shop_id", "active_key"),
        Index("ix_reconcile_runs_due", "status", "next_attempt_at"),
        Index("ix_reconcile_runs_shop", "shop_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    active_key: Mapped[str | None] = mapped_column(String(20))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    cursor: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    orders_seen: Mapped[int] = mapped_column(Integer, default=0)
    orders_applied: Mapped[int] = mapped_column(Integer, default=0)
    total_estimate: Mapped[int | None] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None
