"""The shop's chargeback ratio for a month (shop time zone) against card-network programmes.

Thresholds are data: they change (Visa moved from 2.2% to 1.5% in 2026). Sources and caveats
are in PLATFORM.md; treat them as guidance, not as the networks' legal terms.
"""
from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop_plugin.orders.models import Dispute, Order
from shop_plugin.shops.models import Shop

THRESHOLDS = (
    {"programme": "visa_vamp", "ratio": 0.015, "min_count": 1500},
    {"programme": "mastercard_ecm", "ratio": 0.015, "min_count": 100},
    {"programme": "mastercard_early_warning", "ratio": 0.010, "min_count": 100},
    {"programme": "mastercard_hecm", "ratio": 0.030, "min_count": 300},
)


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first instant, first instant of next month) of YYYY-MM in the shop's zone."""
    year, mon = (int(part) for part in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=tz)
    return start, end


def monthly_ratio(s: Session, *, shop: Shop, month: str, timezone: str) -> dict:
    start, end = month_bounds(month, ZoneInfo(timezone))
    orders = s.scalar(select(func.count()).select_from(Order).where(
        Order.shop_id == shop.id, Order.created_at >= start, Order.created_at < end)) or 0
    disputes = s.execute(select(Dispute.type, func.count()).where(
        Dispute.shop_id == shop.id, Dispute.initiated_at >= start, Dispute.initiated_at < end)
        .group_by(Dispute.type)).all()
    counts = dict(disputes)
    chargebacks = counts.get("chargeback", 0)
    ratio = chargebacks / orders if orders else 0.0
    headroom = []
    for t in THRESHOLDS:
        needed = max(t["min_count"], math.ceil(t["ratio"] * orders))
        headroom.append({"programme": t["programme"], "disputes_left": max(0, needed - chargebacks)})
    return {"month": month, "orders": orders, "disputes": sum(counts.values()), "chargebacks": chargebacks,
            "ratio": round(ratio, 5), "thresholds": list(THRESHOLDS), "headroom": headroom}


def pressure(s: Session, *, shop: Shop, timezone: str, now: datetime) -> float:
    """How close this month's ratio is to the tightest threshold (0 = none, 1 = at or past it)."""
    month = now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")
    ratio = monthly_ratio(s, shop=shop, month=month, timezone=timezone)["ratio"]
    return min(1.0, ratio / min(t["ratio"] for t in THRESHOLDS))
