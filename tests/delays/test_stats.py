"""Delay statistics per supplier and carrier, computed in SQL on both databases."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.support import OTHER_SHOP, bearer, fixture, ship, signed_webhook

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)


def place(client, order_id: int, vendor: str, shipped_after: float | None, carrier: str = "DHL",
          delivered_after: float | None = None, shop: str = "alpha-store.myshopify.com") -> None:
    order = fixture("orders_create.rest_fixture.json")
    order.update(id=order_id, created_at=BASE.isoformat(), updated_at=BASE.isoformat(), fulfillments=[], refunds=[])
    order["line_items"] = [dict(order["line_items"][0], vendor=vendor)]
    signed_webhook(client, "orders/create", order, shop=shop)
    if shipped_after is None:
        return
    shipped = BASE + timedelta(days=shipped_after)
    signed_webhook(client, "fulfillments/create", dict(
        fixture("fulfillments_create.rest_fixture.json"), id=order_id * 10, order_id=order_id, status="success",
        tracking_company=carrier, created_at=shipped.isoformat(), updated_at=shipped.isoformat()), shop=shop)
    if delivered_after is not None:
        signed_webhook(client, "fulfillment_events/create", dict(
            fixture("fulfillment_events_create.rest_fixture.json"), id=order_id * 100, fulfillment_id=order_id * 10,
            order_id=order_id, status="delivered", happened_at=(shipped + timedelta(days=delivered_after)).isoformat()),
            shop=shop)


def stats(client, group: str, shop: str = "alpha-store.myshopify.com") -> dict:
    return {row["group"]: row for row in client.get(f"/api/stats/delays?group={group}",
                                                   headers=bearer(shop)).json["groups"]}


def test_processing_and_transit_medians_and_p90_per_supplier(client):
    for n, days in enumerate([1, 2, 3, 4, 10], 1):
        place(client, n, "Fast Co", shipped_after=days, delivered_after=days * 2)
    place(client, 9, "Slow Co", shipped_after=8)
    place(client, 10, "Slow Co", shipped_after=None)
    rows = stats(client, "supplier")
    assert rows["Fast Co"]["orders"] == 5
    assert rows["Fast Co"]["processing_days"] == {"median": 3.0, "p90": 10.0}
    assert rows["Fast Co"]["transit_days"] == {"median": 6.0, "p90": 20.0}
    assert rows["Slow Co"]["orders"] == 2 and rows["Slow Co"]["processing_days"]["median"] == 8.0
    assert rows["Slow Co"]["transit_days"] == {"median": None, "p90": None}


def test_on_time_rates_compare_with_the_promise(client):
    client.put("/api/settings", json={"processing_days": [0, 2], "transit": [{"countries": ["*"], "days": [1, 2]}],
                                      "weekend": []}, headers=bearer())
    place(client, 1, "A", shipped_after=0.5, delivered_after=1)
    place(client, 2, "A", shipped_after=20, delivered_after=1)
    row = stats(client, "supplier")["A"]
    assert row["on_time_dispatch_rate"] == 0.5


def test_carrier_groups_and_open_delay_tickets(client):
    place(client, 1, "A", shipped_after=1, carrier="DHL", delivered_after=2)
    place(client, 2, "A", shipped_after=1, carrier="DHL", delivered_after=4)
    place(client, 3, "A", shipped_after=1, carrier="J&T")
    rows = stats(client, "carrier")
    assert set(rows) == {"DHL", "J&T"}
    assert rows["DHL"]["transit_days"]["median"] == 2.0 and rows["DHL"]["orders"] == 2
    undelivered = client.get("/api/tickets?order_id=3&status=open", headers=bearer()).json["tickets"]
    assert undelivered  # shipped 19 days ago and never delivered: past its promise
    assert rows["J&T"]["open_delay_tickets"] == len(undelivered)
    assert rows["DHL"]["open_delay_tickets"] == 0


def test_stats_are_per_shop_and_validate_input(client):
    place(client, 1, "Mine", shipped_after=1)
    assert stats(client, "supplier", OTHER_SHOP) == {}
    assert client.get("/api/stats/delays?group=planet", headers=bearer()).status_code == 400
    assert client.get("/api/stats/delays?from=yesterday", headers=bearer()).status_code == 400


SEOUL_RULES = {"timezone": "Asia/Seoul", "processing_days": [0, 2], "transit": [{"countries": ["*"], "days": [1, 2]}],
               "weekend": []}


def promise_of(client, order_id: int) -> dict:
    return client.get(f"/api/orders/{order_id}", headers=bearer()).json["promise"]


def ship_at(client, order_id: int, at: datetime, carrier: str = "DHL") -> None:
    signed_webhook(client, "fulfillments/create", dict(
        fixture("fulfillments_create.rest_fixture.json"), id=order_id * 10, order_id=order_id, status="success",
        tracking_company=carrier, created_at=at.isoformat(), updated_at=at.isoformat()))


def test_a_dispatch_early_on_the_day_after_ship_by_in_shop_time_is_late(client):
    client.put("/api/settings", json=SEOUL_RULES, headers=bearer())
    place(client, 1, "A", shipped_after=None)
    ship_by = date.fromisoformat(promise_of(client, 1)["ship_by"])
    # 07:30 the next morning in Seoul is still the ship-by day in UTC
    ship_at(client, 1, datetime.combine(ship_by + timedelta(days=1), time(7, 30), ZoneInfo("Asia/Seoul")))
    assert stats(client, "supplier")["A"]["on_time_dispatch_rate"] == 0.0
    assert stats(client, "carrier")["DHL"]["on_time_dispatch_rate"] == 0.0


def test_a_dispatch_late_on_the_ship_by_day_in_shop_time_is_on_time(client):
    client.put("/api/settings", json={**SEOUL_RULES, "timezone": "America/New_York"}, headers=bearer())
    place(client, 1, "A", shipped_after=None)
    ship_by = date.fromisoformat(promise_of(client, 1)["ship_by"])
    # 21:00 on the ship-by day in New York is already the next day in UTC
    ship_at(client, 1, datetime.combine(ship_by, time(21), ZoneInfo("America/New_York")))
    assert stats(client, "supplier")["A"]["on_time_dispatch_rate"] == 1.0


def test_an_order_never_shipped_after_its_ship_by_counts_as_a_late_dispatch(client):
    client.put("/api/settings", json=SEOUL_RULES, headers=bearer())
    place(client, 1, "A", shipped_after=0.5)
    place(client, 2, "A", shipped_after=None)  # ordered 20 days ago, due in two: never shipped
    assert stats(client, "supplier")["A"]["on_time_dispatch_rate"] == 0.5


def test_an_order_not_yet_due_to_ship_is_left_out_of_the_dispatch_rate(client):
    client.put("/api/settings", json={**SEOUL_RULES, "processing_days": [40, 50]}, headers=bearer())
    place(client, 1, "A", shipped_after=None)
    assert date.fromisoformat(promise_of(client, 1)["ship_by"]) > date.today()
    row = stats(client, "supplier")["A"]
    assert row["orders"] == 1 and row["on_time_dispatch_rate"] is None and row["on_time_delivery_rate"] is None


def test_a_parcel_never_delivered_after_its_promise_counts_as_a_late_delivery(client):
    client.put("/api/settings", json=SEOUL_RULES, headers=bearer())
    place(client, 1, "A", shipped_after=0.5, delivered_after=1)
    place(client, 2, "A", shipped_after=0.5)  # shipped on time, never delivered, promised weeks ago
    assert stats(client, "supplier")["A"]["on_time_delivery_rate"] == 0.5
    assert stats(client, "carrier")["DHL"]["on_time_delivery_rate"] == 0.5


def test_a_cancelled_fulfilment_is_not_counted_against_its_carrier(client):
    """A label voided with its carrier (fulfilment cancelled, re-shipped with another) is no dispatch
    by that carrier and no parcel it failed to deliver."""
    place(client, 1, "A", shipped_after=1, carrier="DHL", delivered_after=2)
    voided = BASE + timedelta(days=1)
    ship(client, order_id=1, fulfillment_id=999, at=voided, status="cancelled", tracking_company="J&T")
    rows = stats(client, "carrier")
    assert set(rows) == {"DHL"}
    assert rows["DHL"]["on_time_delivery_rate"] is not None


def test_sqlite_reads_an_instants_shop_day_with_the_offset_in_force_at_it():
    """The day SQLite's local_date gives (PostgreSQL uses AT TIME ZONE) on either side of New York's
    2026 clock changes (UTC-5 until 8 March 07:00 UTC, UTC-4 until 1 November 06:00 UTC)."""
    from shop_plugin.db import sqlite_local_date

    zone = "America/New_York"
    assert sqlite_local_date("2026-03-08 04:30:00.000000", zone) == "2026-03-07"  # 23:30 EST
    assert sqlite_local_date("2026-03-09 03:30:00.000000", zone) == "2026-03-08"  # 23:30 EDT
    assert sqlite_local_date("2026-11-02 04:30:00.000000", zone) == "2026-11-01"  # 23:30 EST again
    assert sqlite_local_date(None, zone) is None
