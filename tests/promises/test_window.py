"""The window rules: table tests for the edges, properties for everything in between."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shop_plugin.promises.calendar import WEEKDAYS, BusinessCalendar, NoBusinessDay
from shop_plugin.promises.settings import defaults
from shop_plugin.promises.text import promise_text
from shop_plugin.promises.window import Item, order_window, transit_days

SEOUL = ZoneInfo("Asia/Seoul")


def rules(**changes) -> dict:
    s = defaults()
    s.update(timezone="Asia/Seoul", cutoff="14:00", processing_days=[1, 2], origin_country="KR",
             transit=[{"countries": ["KR"], "days": [1, 2]}, {"countries": ["US"], "days": [5, 9]}])
    s.update(changes)
    return s


def at(text: str, tz=SEOUL) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def test_before_cutoff_on_a_business_day_starts_today():
    w = order_window(rules(processing_days=[0, 0]), at("2026-11-24T13:59"), "KR", [Item()])
    assert (w.ship_from, w.ship_by) == (date(2026, 11, 24), date(2026, 11, 24))


def test_at_or_after_cutoff_starts_the_next_business_day():
    w = order_window(rules(processing_days=[0, 0]), at("2026-11-24T14:00"), "KR", [Item()])
    assert w.ship_by == date(2026, 11, 25)


def test_friday_after_cutoff_starts_monday():
    w = order_window(rules(processing_days=[0, 1]), at("2026-11-27T18:00"), "KR", [Item()])
    assert (w.ship_from, w.ship_by) == (date(2026, 11, 30), date(2026, 12, 1))


def test_cutoff_is_judged_in_the_shops_time_zone():
    utc_noon = datetime(2026, 11, 24, 4, 59, tzinfo=ZoneInfo("UTC"))  # 13:59 in Seoul
    assert order_window(rules(processing_days=[0, 0]), utc_noon, "KR", [Item()]).ship_by == date(2026, 11, 24)
    late = utc_noon + timedelta(minutes=1)
    assert order_window(rules(processing_days=[0, 0]), late, "KR", [Item()]).ship_by == date(2026, 11, 25)


def test_dst_change_does_not_shift_the_local_date():
    ny = rules(timezone="America/New_York", origin_country="US", processing_days=[0, 0])
    before = datetime(2026, 3, 8, 6, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 EST, Sunday of the change
    w = order_window(ny, before, "US", [Item()])
    assert w.ship_by == date(2026, 3, 9)  # Sunday → Monday
    monday_morning = datetime(2026, 3, 9, 12, 59, tzinfo=ZoneInfo("UTC"))  # 08:59 EDT
    assert order_window(ny, monday_morning, "US", [Item()]).ship_by == date(2026, 3, 9)


UTC = ZoneInfo("UTC")


def test_in_the_repeated_hour_the_cutoff_is_the_first_time_the_clock_reads_it():
    """New York, 1 Nov 2026: 01:00-02:00 happens twice. 01:45 EDT is after the 01:30 cut-off, and so
    is 01:15 EST, half an hour later, although the clock reads an earlier time."""
    ny = rules(timezone="America/New_York", origin_country="US", processing_days=[0, 0], weekend=[], cutoff="01:30")
    first_pass = order_window(ny, datetime(2026, 11, 1, 5, 15, tzinfo=UTC), "US", [Item()])  # 01:15 EDT
    assert first_pass.ship_by == date(2026, 11, 1)
    for later in (datetime(2026, 11, 1, 5, 45, tzinfo=UTC), datetime(2026, 11, 1, 6, 15, tzinfo=UTC)):
        assert order_window(ny, later, "US", [Item()]).ship_by == date(2026, 11, 2), later
    berlin = rules(timezone="Europe/Berlin", origin_country="DE", processing_days=[0, 0], weekend=[], cutoff="02:30")
    second_pass = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 02:15 CET, 45 minutes after 02:30 CEST
    assert order_window(berlin, second_pass, "DE", [Item()]).ship_by == date(2026, 10, 26)
    same_zone = second_pass.astimezone(ZoneInfo("Europe/Berlin"))  # fold=1, the zone object the settings name
    assert order_window(berlin, same_zone, "DE", [Item()]).ship_by == date(2026, 10, 26)


def test_a_cutoff_the_clock_skips_falls_when_the_clock_jumps_past_it():
    """New York, 8 Mar 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 never happens; 03:00 is after it."""
    ny = rules(timezone="America/New_York", origin_country="US", processing_days=[0, 0], weekend=[], cutoff="02:30")
    assert order_window(ny, datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "US", [Item()]).ship_by == date(2026, 3, 8)
    for after in (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 8, 7, 20, tzinfo=UTC)):
        assert order_window(ny, after, "US", [Item()]).ship_by == date(2026, 3, 9), after


def test_year_end_rolls_over_new_years_day():
    w = order_window(rules(origin_country="US", processing_days=[1, 1]), at("2026-12-31T10:00"), "US", [Item()])
    assert w.ship_by == date(2027, 1, 4)  # Jan 1 holiday, then the weekend
    assert any(a["kind"] == "holiday" and a["from"] == "2027-01-01" for a in w.adjustments)


def test_lunar_new_year_closure_and_holidays_push_and_are_recorded():
    s = rules(origin_country="CN", closed_dates=["2027-02-05/2027-02-14"], processing_days=[1, 3])
    w = order_window(s, at("2027-02-03T10:00"), "KR", [Item()])
    assert w.ship_from == date(2027, 2, 4)
    assert w.ship_by == date(2027, 2, 16)  # 4 Feb, then closed until Monday 15th, then 16th
    closure = [a for a in w.adjustments if a["kind"] == "closure"]
    assert closure == [{"calendar": "origin", "country": "CN", "kind": "closure",
                        "name": "2027-02-05/2027-02-14", "from": "2027-02-05", "to": "2027-02-14"}]


def test_destination_holidays_push_delivery():
    s = rules(origin_country="KR", processing_days=[0, 0])
    w = order_window(s, at("2027-02-05T10:00"), "KR", [Item()])  # Korean New Year 6-9 Feb
    assert w.deliver_to == date(2027, 2, 11)
    assert any(a["calendar"] == "destination" and a["kind"] == "holiday" for a in w.adjustments)


def test_transit_counts_destination_business_days_after_a_ship_date_that_is_not_one():
    """The 1st business day after a Saturday is the Monday, not the day after the Monday."""
    saturday = rules(origin_country="CN", weekend=["sun"], processing_days=[0, 0],
                     transit=[{"countries": ["US"], "days": [1, 1]}])
    w = order_window(saturday, at("2027-03-06T10:00"), "US", [Item()])
    assert w.ship_by == date(2027, 3, 6) and w.deliver_to == date(2027, 3, 8)
    chuseok = rules(origin_country="CN", processing_days=[0, 0], transit=[{"countries": ["KR"], "days": [1, 1]}])
    w = order_window(chuseok, at("2027-09-14T10:00"), "KR", [Item()])  # closed in KR 14-16 Sept
    assert w.ship_by == date(2027, 9, 14) and w.deliver_to == date(2027, 9, 17)


def test_zero_transit_days_deliver_on_the_ship_date_or_the_next_destination_business_day():
    s = rules(origin_country="CN", weekend=["sun"], processing_days=[0, 0],
              transit=[{"countries": ["US"], "days": [0, 0]}])
    assert order_window(s, at("2027-03-06T10:00"), "US", [Item()]).deliver_to == date(2027, 3, 8)
    assert order_window(s, at("2027-03-05T10:00"), "US", [Item()]).deliver_to == date(2027, 3, 5)


def test_a_holiday_on_a_weekend_day_is_not_said_to_push_the_promise():
    """1 Jan 2028 is a Saturday: the weekend closes it anyway, so the holiday moved nothing."""
    s = rules(origin_country="KR", processing_days=[0, 0], transit=[{"countries": ["KR"], "days": [1, 1]}])
    w = order_window(s, at("2027-12-31T10:00"), "KR", [Item()])
    assert (w.ship_by, w.deliver_to) == (date(2027, 12, 31), date(2028, 1, 3))
    assert w.adjustments == () and "holiday" not in promise_text(w, s, "en")
    us = rules(origin_country="US", processing_days=[0, 0], timezone="America/New_York")
    w = order_window(us, at("2026-07-02T18:00", ZoneInfo("America/New_York")), "KR", [Item()])
    assert w.ship_by == date(2026, 7, 6)  # Friday 3rd: Independence Day observed; Saturday 4th: the weekend
    assert [(a["from"], a["to"]) for a in w.adjustments] == [("2026-07-03", "2026-07-03")]


def test_the_promise_names_only_what_pushed_the_item_its_dates_come_from():
    """The fast item's closure delays the fast item, not the order, whose dates are the slow item's."""
    s = rules(suppliers=[{"vendor": "Slow Co", "processing_days": [10, 12]},
                         {"vendor": "Fast Co", "processing_days": [0, 1], "closed_dates": ["2026-11-25"]}])
    w = order_window(s, at("2026-11-24T10:00"), "KR", [Item("Fast Co"), Item("Slow Co")])
    assert w.ship_by == date(2026, 12, 10) and w.adjustments == ()
    fast = order_window(s, at("2026-11-24T10:00"), "KR", [Item("Fast Co")])
    assert [a["kind"] for a in fast.adjustments] == ["closure"]


def test_when_items_tie_a_closure_that_only_one_of_them_waits_for_does_not_push_the_promise():
    s = rules(processing_days=[0, 3],
              suppliers=[{"vendor": "Closed Co", "processing_days": [0, 2], "closed_dates": ["2026-11-25"]}])
    closed = order_window(s, at("2026-11-24T10:00"), "KR", [Item("Closed Co")])
    w = order_window(s, at("2026-11-24T10:00"), "KR", [Item("Closed Co"), Item("Open Co")])
    assert closed.ship_by == w.ship_by == date(2026, 11, 27) and closed.adjustments
    assert w.adjustments == ()


def test_rules_that_leave_no_business_day_raise_a_typed_error():
    years = ["2027-01-01/2027-12-31", "2028-01-01/2028-12-31", "2029-01-01/2029-12-31"]
    with pytest.raises(NoBusinessDay, match="no business day"):
        order_window(rules(closed_dates=years), at("2027-01-04T10:00"), "KR", [Item()])


def test_no_transit_rule_means_no_delivery_range():
    w = order_window(rules(), at("2026-11-24T10:00"), "FR", [Item()])
    assert w.deliver_from is None and w.deliver_to is None and w.ship_by


def test_the_order_takes_the_latest_item_and_supplier_fields_inherit():
    s = rules(suppliers=[{"vendor": "Slow Co", "processing_days": [5, 10]},
                         {"tag": "fragile", "origin_country": "US"}])
    fast = order_window(s, at("2026-11-24T10:00"), "KR", [Item("Fast Co")])
    mixed = order_window(s, at("2026-11-24T10:00"), "KR", [Item("Fast Co"), Item("slow co ")])
    assert mixed.ship_by > fast.ship_by
    tagged = order_window(s, at("2026-11-26T10:00"), "KR", [Item(tags=("FRAGILE",))])
    assert any(a["country"] == "US" and "Thanksgiving" in a["name"] for a in tagged.adjustments)


countries = st.sampled_from(["KR", "US", "ID", "CN", "FR", None])
DST_ZONES = ("America/New_York", "Europe/Berlin")


def _clock_changes(zone: str) -> list[datetime]:
    """The instants (UTC) the zone's clocks change, 2025-2028."""
    tz, hour, changes = ZoneInfo(zone), datetime(2025, 1, 1, tzinfo=UTC), []
    while hour.year < 2029:
        if hour.astimezone(tz).utcoffset() != (hour + timedelta(hours=1)).astimezone(tz).utcoffset():
            changes.append(hour + timedelta(hours=1))
        hour += timedelta(hours=1)
    return changes


CLOCK_CHANGES = {zone: _clock_changes(zone) for zone in DST_ZONES}
ALL_CLOCK_CHANGES = sorted(t for changes in CLOCK_CHANGES.values() for t in changes)
moments = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    st.builds(lambda change, offset: change + offset, st.sampled_from(ALL_CLOCK_CHANGES),  # around a clock change
              st.timedeltas(-timedelta(hours=30), timedelta(hours=30))))
day_pairs = st.tuples(st.integers(0, 20), st.integers(0, 20)).map(sorted)


@st.composite
def shop_rules(draw):
    closures = draw(st.lists(st.tuples(st.dates(date(2025, 1, 1), date(2028, 12, 31)), st.integers(0, 12)),
                             max_size=3))
    return rules(
        origin_country=draw(st.sampled_from(["CN", "KR", "US", "ID"])),
        timezone=draw(st.sampled_from(["Asia/Seoul", *DST_ZONES])),
        processing_days=list(draw(day_pairs)),  # 01:30 and 02:30 fall in repeated or skipped hours
        cutoff=draw(st.sampled_from(["00:00", "01:30", "02:30", "09:30", "14:00", "23:59"])),
        weekend=draw(st.sampled_from([["sat", "sun"], ["fri"], [], ["sun"]])),
        closed_dates=[f"{d}/{d + timedelta(days=n)}" for d, n in closures],
        transit=[{"countries": ["KR", "ID"], "days": list(draw(day_pairs))},
                 {"countries": ["US"], "days": list(draw(day_pairs))}],
    )


@hsettings(max_examples=150, deadline=None)
@given(shop_rules(), moments, countries)
def test_windows_are_ordered_and_land_on_business_days(s, ordered_at, country):
    w = order_window(s, ordered_at, country, [Item()])
    origin = BusinessCalendar.of(s["origin_country"], s["weekend"], s["closed_dates"])
    assert w.ship_from <= w.ship_by
    assert origin.is_business_day(w.ship_from) and origin.is_business_day(w.ship_by)
    if w.deliver_to is not None:
        destination = BusinessCalendar.of(country, ["sat", "sun"])
        assert w.deliver_from <= w.deliver_to
        assert destination.is_business_day(w.deliver_from) and destination.is_business_day(w.deliver_to)
        assert w.deliver_from >= w.ship_from


@hsettings(max_examples=150, deadline=None)
@given(shop_rules(), moments, st.one_of(st.timedeltas(timedelta(0), timedelta(days=20)),
                                        st.timedeltas(timedelta(0), timedelta(hours=3))), countries)
def test_a_later_order_never_gets_an_earlier_date(s, ordered_at, later_by, country):
    assert_never_earlier(s, ordered_at, later_by, country)


def assert_never_earlier(s: dict, ordered_at, later_by: timedelta, country: str) -> None:
    early = order_window(s, ordered_at, country, [Item()])
    late = order_window(s, ordered_at + later_by, country, [Item()])
    assert late.ship_from >= early.ship_from and late.ship_by >= early.ship_by
    if early.deliver_to is not None:
        assert late.deliver_from >= early.deliver_from and late.deliver_to >= early.deliver_to


@hsettings(max_examples=150, deadline=None)
@given(shop_rules(), moments, countries)
def test_transit_is_that_many_destination_business_days_after_the_ship_date(s, ordered_at, country):
    """N ≥ 1 days: the N-th destination business day strictly after shipping; 0: the first one from it."""
    w = order_window(s, ordered_at, country, [Item()])
    if w.deliver_to is None:
        return
    destination = BusinessCalendar.of(country, ["sat", "sun"])
    low, high = transit_days(s, country)
    for shipped, delivered, days in ((w.ship_from, w.deliver_from, low), (w.ship_by, w.deliver_to, high)):
        before = [shipped + timedelta(n) for n in range(1 if days else 0, (delivered - shipped).days)]
        assert sum(map(destination.is_business_day, before)) == max(days - 1, 0)
        assert destination.is_business_day(delivered)


@st.composite
def around_a_clock_change(draw):
    """A shop in a DST zone open on Sundays (clocks change then), a cut-off within 90 minutes of the
    change (in the skipped or repeated hour, or beside it) and an order within two hours of it."""
    zone = draw(st.sampled_from(DST_ZONES))
    change = draw(st.sampled_from(CLOCK_CHANGES[zone]))
    cutoff = change.astimezone(ZoneInfo(zone)) + timedelta(minutes=draw(st.integers(-90, 90)))
    s = rules(timezone=zone, origin_country=draw(st.sampled_from(["US", "DE", "KR"])), weekend=[],
              cutoff=cutoff.strftime("%H:%M"), processing_days=list(draw(day_pairs)))
    return s, change + draw(st.timedeltas(-timedelta(hours=2), timedelta(hours=2)))


@hsettings(max_examples=200, deadline=None)
@given(around_a_clock_change(), st.timedeltas(timedelta(0), timedelta(hours=2)), countries)
def test_a_later_order_never_gets_an_earlier_date_across_clock_changes(shop, later_by, country):
    s, ordered_at = shop
    assert_never_earlier(s, ordered_at, later_by, country)


@hsettings(max_examples=150, deadline=None)
@given(shop_rules(), moments, countries)
def test_a_recorded_holiday_is_a_working_weekday_before_the_date_it_pushed(s, ordered_at, country):
    w = order_window(s, ordered_at, country, [Item()])
    weekend = {"origin": {WEEKDAYS.index(d) for d in s["weekend"]}, "destination": {5, 6}}
    for adjustment in w.adjustments:
        first, last = date.fromisoformat(adjustment["from"]), date.fromisoformat(adjustment["to"])
        if adjustment["kind"] == "holiday":
            assert first.weekday() not in weekend[adjustment["calendar"]]
            assert last.weekday() not in weekend[adjustment["calendar"]]
        assert last < (w.ship_by if adjustment["calendar"] == "origin" else w.deliver_to)
