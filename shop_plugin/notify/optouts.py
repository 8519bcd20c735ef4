"""Customers who asked a shop for no more notices (the unsubscribe link in every notice), by address."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore, utcnow
from shop_plugin.notify.models import OptOut


def opt_out(s: Session, *, shop_id: int, email: str) -> None:
    insert_ignore(s, OptOut.__table__, {"shop_id": shop_id, "email": email.lower(), "created_at": utcnow()},
                  ["shop_id", "email"])
    s.commit()


def opted_out_at(s: Session, *, shop_id: int, email: str | None) -> datetime | None:
    """When this address asked the shop for no more notices, or None (also for no address)."""
    if not email:
        return None
    return s.scalar(select(OptOut.created_at).where(OptOut.shop_id == shop_id, OptOut.email == email.lower()))
