"""Each delay rule fires exactly at its threshold, can be switched off, and says when to look next."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shop_plugin.delays.rules import DEFAULT_RULES, Shipment, Snapshot, evaluate

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2027, 3, 2, 10, tzinfo=SEOUL)


def snap(shipments=(), ship_by=date(2027, 3, 4), deliver_to=date(2027, 3, 12), **kw) -> Snapshot:
    return Snapshot(cancelled=kw.get("cancelled", False), refunded=kw.get("refunded", False),
                    shipments=tuple(shipments), ship_by=ship_by, deliver_to=deliver_to)


def reasons(s: Snapshot, now: datetime, rules=DEFAULT_RULES) -> set[str]:
    return set(evaluate(s, rules, SEOUL, now).reasons)


def test_late_dispatch_fires_after_the_end_of_the_ship_by_day_in_shop_time():
    end = datetime(2027, 3, 5, 0, 0, tzinfo=SEOUL)
    assert reasons(snap(), end - timedelta(seconds=1)) == set()
    assert reasons(snap(), end) == {"late_dispatch"}
    assert evaluate(snap(), DEFAULT_RULES, SEOUL, T0).next_check_at == end


def test_no_tracking_after_two_days():
    shipment = Shipment(created_at=T0, tracked=False)
    assert reasons(snap([shipment]), T0 + timedelta(days=2) - timedelta(seconds=1)) == set()
    assert "no_tracking" in reasons(snap([shipment]), T0 + timedelta(days=2))


def test_not_picked_up_after_four_days_without_a_moving_event():
    label = Shipment(created_at=T0, tracked=True, events=(("label_printed", T0),))
    assert reasons(snap([label]), T0 + timedelta(days=4)) == {"not_picked_up"}
    moving = Shipment(created_at=T0, tracked=True, events=(("label_printed", T0), ("in_transit", T0)))
    assert "not_picked_up" not in reasons(snap([moving]), T0 + timedelta(days=4))


def test_stalled_after_seven_days_without_carrier_news():
    moving = Shipment(created_at=T0, tracked=True, events=(("in_transit", T0 + timedelta(days=1)),))
    assert "stalled" not in reasons(snap([moving], deliver_to=None), T0 + timedelta(days=7))
    assert "stalled" in reasons(snap([moving], deliver_to=None), T0 + timedelta(days=8))


@pytest.mark.parametrize("status", ["failure", "attempted_delivery", "delayed"])
def test_a_delivery_exception_fires_at_once_and_clears_when_the_parcel_moves_on(status):
    failed = Shipment(created_at=T0, tracked=True, events=(("in_transit", T0), (status, T0 + timedelta(hours=5))))
    assert "delivery_exception" in reasons(snap([failed]), T0 + timedelta(hours=5))
    moved = Shipment(created_at=T0, tracked=True, events=failed.events + (("out_for_delivery", T0 + timedelta(1)),))
    assert "delivery_exception" not in reasons(snap([moved]), T0 + timedelta(days=1))


def test_past_promise_then_likely_lost():
    moving = Shipment(created_at=T0, tracked=True, events=(("in_transit", datetime(2027, 3, 12, tzinfo=SEOUL)),))
    end = datetime(2027, 3, 13, tzinfo=SEOUL)
    assert reasons(snap([moving]), end - timedelta(seconds=1)) == set()
    assert reasons(snap([moving]), end) == {"past_promise"}
    assert "likely_lost" in reasons(snap([moving]), end + timedelta(days=14))


@pytest.mark.parametrize("closed", [{"cancelled": True}, {"refunded": True}])
def test_cancelled_or_refunded_orders_leave_the_scan(closed):
    verdict = evaluate(snap(**closed), DEFAULT_RULES, SEOUL, T0 + timedelta(days=60))
    assert verdict.reasons == {} and verdict.next_check_at is None and verdict.closed_state


def test_a_delivered_order_leaves_the_scan():
    done = Shipment(created_at=T0, tracked=True, events=(("delivered", T0 + timedelta(days=3)),), delivered=True)
    verdict = evaluate(snap([done]), DEFAULT_RULES, SEOUL, T0 + timedelta(days=60))
    assert verdict.closed_state == "delivered" and verdict.next_check_at is None


def test_rules_can_be_switched_off_or_retimed():
    rules = {**DEFAULT_RULES, "late_dispatch": {"enabled": False}, "no_tracking": {"enabled": True, "days": 5}}
    assert reasons(snap(), T0 + timedelta(days=5), rules) == set()
    shipment = Shipment(created_at=T0, tracked=False)
    assert "no_tracking" not in reasons(snap([shipment]), T0 + timedelta(days=3), rules)
    assert "no_tracking" in reasons(snap([shipment]), T0 + timedelta(days=5), rules)


def test_an_order_never_shipped_is_not_likely_lost_but_stays_a_late_dispatch_past_its_promise():
    months_late = datetime(2027, 3, 13, tzinfo=SEOUL) + timedelta(days=30)
    verdict = evaluate(snap(), DEFAULT_RULES, SEOUL, months_late,
                       prompt_after={"past_promise_days": 7, "delivery_exception_days": 3})
    assert set(verdict.reasons) == {"late_dispatch", "past_promise"}
    assert verdict.prompts == {"past_promise"}, "no lost-parcel prompt (a reship) for a parcel never sent"
    assert verdict.next_check_at is None
