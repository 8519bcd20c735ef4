"""The shop's chargeback ratio for a month (shop time zone) against card-network programmes.

Thresholds are data: they change (Visa moved from 2.2% to 1.5% in 2026). Sources and caveats
are in PLATFORM.md; treat them as guidance, not as the networks' legal terms.

Headroom: for each programme, the chargebacks the shop can still take this month before it
qualifies (the programme's minimum count, or its ratio of this month's orders, whichever is more).
A programme is a warning when the shop is in it ("over": no headroom left) or near it ("near"):
at most NEAR_LEFT chargebacks to go, or, once the shop has the programme's minimum count, a ratio
at NEAR_SHARE (80%) or more of the programme's (below the minimum count the ratio alone cannot
put a shop in a programme, so it does not warn).
"""
from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop_plugin.orders.models import Dispute, Order
from shop_plugin.promises import service as promises
from shop_plugin.shops.models import Shop

NEAR_LEFT = 2
NEAR_SHARE = 0.8
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
    return figures(month=month, orders=orders, counts=dict(disputes))


def figures(*, month: str, orders: int, counts: dict[str, int]) -> dict:
    """The month's ratio and headroom from its order count and dispute counts by type."""
    chargebacks = counts.get("chargeback", 0)
    ratio = chargebacks / orders if orders else 0.0
    headroom = []
    for t in THRESHOLDS:
        needed = max(t["min_count"], math.ceil(t["ratio"] * orders))
        headroom.append({"programme": t["programme"], "disputes_left": max(0, needed - chargebacks)})
    return {"month": month, "orders": orders, "disputes": sum(counts.values()), "chargebacks": chargebacks,
            "ratio": round(ratio, 5), "thresholds": list(THRESHOLDS), "headroom": headroom}


def pressure(s: Session, *, shop: Shop, timezone: str, now: datetime) -> float:
    """How close this month's figures put the shop to a programme (see `pressure_of`)."""
    month = now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")
    return pressure_of(monthly_ratio(s, shop=shop, month=month, timezone=timezone))


def pressure_of(ratio: dict) -> float:
    """0 = no programme in reach, 1 = at or past one: the month's ratio against the ratio of each programme
    the next chargeback could qualify the shop for, the nearest one counting. A programme applies only from
    its minimum count, so while the next chargeback stays under it the ratio alone puts no pressure (as the
    headroom says: one chargeback among ten orders is 99 short of any programme)."""
    reachable = [t["ratio"] for t in THRESHOLDS if ratio["chargebacks"] + 1 >= t["min_count"]]
    return min(1.0, max((ratio["ratio"] / r for r in reachable), default=0.0))


def warnings_for(ratio: dict) -> list[dict]:
    """The programmes a month's figures (from `monthly_ratio`) put the shop in or near; "over" first."""
    found = []
    for threshold, room in zip(THRESHOLDS, ratio["headroom"], strict=True):
        left, share = room["disputes_left"], ratio["ratio"] / threshold["ratio"]
        if left == 0:
            level = "over"
        elif left <= NEAR_LEFT or (ratio["chargebacks"] >= threshold["min_count"] and share >= NEAR_SHARE):
            level = "near"
        else:
            continue
        found.append({"programme": threshold["programme"], "level": level, "disputes_left": left,
                      "chargebacks": ratio["chargebacks"], "min_count": threshold["min_count"],
                      "ratio": ratio["ratio"], "threshold": threshold["ratio"],
                      "share_of_threshold": round(share, 3), "month": ratio["month"]})
    return sorted(found, key=lambda w: (w["level"] != "over", w["disputes_left"]))


def warnings(s: Session, *, shop: Shop, now: datetime) -> list[dict]:
    """This month's programme warnings for the dashboard (see the module's docstring)."""
    timezone = promises.get_settings(s, shop=shop)[0]["timezone"]
    month = now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")
    return warnings_for(monthly_ratio(s, shop=shop, month=month, timezone=timezone))
