"""Delay statistics per supplier (line-item vendor) or carrier (tracking company), all in SQL.

Medians and p90 use the nearest-rank method with window functions, which SQLite and
PostgreSQL both run; nothing is loaded into Python but the final rows.

On-time rates compare with the order's promise, whose ship_by and deliver_to are dates in the
shop's time zone, so a dispatch or delivery counts on the shop's calendar (07:30 in Seoul on the
day after ship_by is late, though still the ship-by day in UTC):

- on_time_dispatch_rate: among orders with a ship_by whose day has ended (shop time) or that
  have shipped, the share shipped on or before ship_by; an order not shipped by the end of its
  ship_by day counts as late (it is a late dispatch), one not due yet is left out. Per carrier,
  a fulfilment's own dispatch.
- on_time_delivery_rate: the same for delivery against deliver_to: a parcel (or order) not
  delivered by the end of its deliver_to day counts as late, one not due yet is left out.
- null when no order of the group counts.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, bindparam, text
from sqlalchemy.orm import Session

from shop_plugin.db import UTCDateTime, dialect_name, utcnow
from shop_plugin.delays.rules import REASONS
from shop_plugin.delays.snapshots import DEAD_FULFILMENTS

DAYS = {  # (later, earlier) → fractional days
    "sqlite": "(julianday({a}) - julianday({b}))",
    "postgresql": "(EXTRACT(EPOCH FROM ({a} - {b})) / 86400.0)",
}
# the shop's calendar day of an instant (SQLite's local_date: shop_plugin.db.sqlite_local_date)
LOCAL_DATE = {"postgresql": "CAST({a} AT TIME ZONE :tz AS DATE)", "sqlite": "local_date({a}, :tz)"}

# A fulfilment in one of these states moved nothing (a voided label, a failed request to the warehouse):
# no dispatch, for the order's first shipment or for its carrier.
LIVE_FULFILMENT = ("({f}.status IS NULL OR {f}.status NOT IN ("
                   + ", ".join(f"'{status}'" for status in DEAD_FULFILMENTS) + "))")

GROUPS = {
    # one row per (group, order): suppliers are the distinct vendors of the order's line items
    "supplier": """
        SELECT DISTINCT COALESCE(li.vendor, '(no vendor)') AS grp, oi.shopify_id AS order_id,
               oi.created_at AS ordered_at, oi.ship_by, oi.deliver_to,
               ff.at AS shipped_at, dl.at AS delivered_at
        FROM orders_in oi
        JOIN order_line_items li ON li.order_id = oi.id
        LEFT JOIN first_ff ff ON ff.order_shopify_id = oi.shopify_id
        LEFT JOIN delivered dl ON dl.order_shopify_id = oi.shopify_id""",
    # one row per fulfilment: its carrier, its own dispatch and delivery
    "carrier": """
        SELECT COALESCE(f.tracking_company, '(no carrier)') AS grp, oi.shopify_id AS order_id,
               oi.created_at AS ordered_at, oi.ship_by, oi.deliver_to,
               f.created_at AS shipped_at, fd.at AS delivered_at
        FROM orders_in oi
        JOIN fulfillments f ON f.shop_id = :shop AND f.order_shopify_id = oi.shopify_id
                            AND """ + LIVE_FULFILMENT.format(f="f") + """
        LEFT JOIN (SELECT e.fulfillment_shopify_id AS fid, MIN(e.happened_at) AS at FROM fulfillment_events e
                   WHERE e.shop_id = :shop AND e.status = 'delivered' GROUP BY e.fulfillment_shopify_id) fd
               ON fd.fid = f.shopify_id""",
}

QUERY = """
WITH orders_in AS (
    SELECT o.id, o.shopify_id, o.created_at, p.ship_by, p.deliver_to
    FROM orders o
    LEFT JOIN order_promises p ON p.shop_id = o.shop_id AND p.order_shopify_id = o.shopify_id
    WHERE o.shop_id = :shop AND o.created_at >= :start AND o.created_at < :end AND o.cancelled_at IS NULL
),
first_ff AS (
    SELECT order_shopify_id, MIN(created_at) AS at FROM fulfillments
    WHERE shop_id = :shop AND """ + LIVE_FULFILMENT.format(f="fulfillments") + """
    GROUP BY order_shopify_id
),
delivered AS (
    SELECT f.order_shopify_id, MIN(e.happened_at) AS at
    FROM fulfillment_events e JOIN fulfillments f ON f.shop_id = e.shop_id AND f.shopify_id = e.fulfillment_shopify_id
    WHERE e.shop_id = :shop AND e.status = 'delivered' GROUP BY f.order_shopify_id
),
grouped AS ({group}),
measured AS (
    SELECT grp, order_id,
           {processing} AS processing, {transit} AS transit,
           CASE WHEN ship_by IS NULL THEN NULL
                WHEN shipped_at IS NOT NULL THEN CASE WHEN {shipped_date} <= ship_by THEN 1 ELSE 0 END
                WHEN ship_by < :today THEN 0 END AS dispatch_on_time,
           CASE WHEN deliver_to IS NULL THEN NULL
                WHEN delivered_at IS NOT NULL THEN CASE WHEN {delivered_date} <= deliver_to THEN 1 ELSE 0 END
                WHEN deliver_to < :today THEN 0 END AS delivery_on_time
    FROM grouped
),
ranked AS (
    SELECT grp, processing, transit,
           ROW_NUMBER() OVER (PARTITION BY grp ORDER BY processing) AS p_rank,
           COUNT(processing) OVER (PARTITION BY grp) AS p_n,
           ROW_NUMBER() OVER (PARTITION BY grp ORDER BY transit) AS t_rank,
           COUNT(transit) OVER (PARTITION BY grp) AS t_n
    FROM measured
),
percentiles AS (
    SELECT grp,
           MIN(CASE WHEN processing IS NOT NULL AND p_rank >= 0.5 * p_n THEN processing END) AS processing_median,
           MIN(CASE WHEN processing IS NOT NULL AND p_rank >= 0.9 * p_n THEN processing END) AS processing_p90,
           MIN(CASE WHEN transit IS NOT NULL AND t_rank >= 0.5 * t_n THEN transit END) AS transit_median,
           MIN(CASE WHEN transit IS NOT NULL AND t_rank >= 0.9 * t_n THEN transit END) AS transit_p90
    FROM ranked GROUP BY grp
),
open_tickets AS (
    SELECT g.grp, COUNT(DISTINCT t.id) AS n
    FROM tickets t JOIN (SELECT DISTINCT grp, order_id FROM grouped) g ON g.order_id = t.order_shopify_id
    WHERE t.shop_id = :shop AND t.status IN ('open', 'pending') AND t.reason IN ({reasons})
    GROUP BY g.grp
)
SELECT m.grp, COUNT(DISTINCT m.order_id) AS orders,
       pc.processing_median, pc.processing_p90, pc.transit_median, pc.transit_p90,
       AVG(m.dispatch_on_time) AS on_time_dispatch, AVG(m.delivery_on_time) AS on_time_delivery,
       COALESCE(MAX(ot.n), 0) AS open_delay_tickets
FROM measured m
JOIN percentiles pc ON pc.grp = m.grp
LEFT JOIN open_tickets ot ON ot.grp = m.grp
GROUP BY m.grp, pc.processing_median, pc.processing_p90, pc.transit_median, pc.transit_p90
ORDER BY orders DESC, m.grp
"""


def _round(value, digits: int = 2):
    return None if value is None else round(float(value), digits)


def delay_stats(s: Session, *, shop_id: int, start: datetime, end: datetime, group: str, timezone: str,
                now: datetime | None = None) -> list[dict]:
    """One row per supplier or carrier for orders created in [start, end); days in `timezone`
    (the shop's), deadlines passed by `now` (default: now)."""
    dialect, tz, now = dialect_name(s), ZoneInfo(timezone), now or utcnow()
    params = {"shop": shop_id, "start": start, "end": end, "today": now.astimezone(tz).date(), "tz": timezone}
    binds = [bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime()),
             bindparam("today", type_=Date())]
    days, date = DAYS[dialect], LOCAL_DATE[dialect]
    sql = QUERY.format(
        group=GROUPS[group],
        processing=days.format(a="shipped_at", b="ordered_at"),
        transit=days.format(a="delivered_at", b="shipped_at"),
        shipped_date=date.format(a="shipped_at"), delivered_date=date.format(a="delivered_at"),
        reasons=", ".join(f"'{r}'" for r in REASONS),
    )
    stmt = text(sql).bindparams(*binds)
    return [
        {"group": row.grp, "orders": row.orders,
         "processing_days": {"median": _round(row.processing_median), "p90": _round(row.processing_p90)},
         "transit_days": {"median": _round(row.transit_median), "p90": _round(row.transit_p90)},
         "on_time_dispatch_rate": _round(row.on_time_dispatch, 3),
         "on_time_delivery_rate": _round(row.on_time_delivery, 3),
         "open_delay_tickets": row.open_delay_tickets}
        for row in s.execute(stmt, params)
    ]

