"""Settings are bounded: every list has a cap, and no calendar can close for so long that the
window cannot be computed."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shop_plugin.promises.settings import validate
from shop_plugin.promises.window import Item, order_window
from tests.support import bearer

DAY = timedelta(days=1)


def days(first: date, count: int, step: timedelta = DAY) -> list[str]:
    return [(first + i * step).isoformat() for i in range(count)]


@pytest.mark.parametrize("document, path", [
    ({"closed_dates": days(date(2027, 1, 1), 367, 2 * DAY)}, "closed_dates"),
    ({"suppliers": [{"vendor": f"V{i}"} for i in range(201)]}, "suppliers"),
    ({"suppliers": [{"tag": "t", "closed_dates": days(date(2027, 1, 1), 367, 2 * DAY)}]}, "suppliers.0.closed_dates"),
    ({"suppliers": [{"vendor": "v" * 256}]}, "suppliers.0"),
    ({"transit": [{"countries": ["KR"], "days": [1, 2]}] * 251}, "transit"),
    ({"transit": [{"countries": ["KR"] * 251, "days": [1, 2]}]}, "transit.0.countries"),
    ({"policies": {"customs": {"countries": ["US"] * 251}}}, "policies.customs.countries"),
    ({"policies": {"customs": {"countries": 5}}}, "policies.customs.countries"),
    ({"policies": {"refund": {chr(97 + i // 26) + chr(97 + i % 26): "x" for i in range(101)}}}, "policies.refund"),
    ({"texts": {chr(97 + i // 26) + chr(97 + i % 26): {} for i in range(101)}}, "texts"),
])
def test_lists_longer_than_their_cap_are_refused_by_field(document, path):
    _, errors = validate(document)
    assert path in errors and "up to" in errors[path], errors


def test_lists_at_their_cap_are_accepted():
    _, errors = validate({
        "closed_dates": days(date(2027, 1, 1), 366),
        "suppliers": [{"vendor": f"V{i}"} for i in range(200)],
        "transit": [{"countries": ["KR"] * 250, "days": [1, 2]}] * 250,
        "policies": {"customs": {"countries": ["US"] * 250}},
    })
    assert errors == {}


def test_a_huge_document_is_refused_and_nothing_is_saved(client):
    huge = {"closed_dates": days(date(2027, 1, 1), 200_000),
            "suppliers": [{"vendor": f"Vendor {i}", "processing_days": [1, 2]} for i in range(20_000)]}
    response = client.put("/api/settings", json=huge, headers=bearer())
    assert response.status_code == 422 and {"closed_dates", "suppliers"} <= set(response.json["errors"])
    assert client.get("/api/settings", headers=bearer()).json["version"] == 0


def test_closures_of_one_calendar_may_cover_at_most_366_days_in_all():
    """Each range is within a year, but together they close the supplier for three."""
    years = ["2027-01-01/2027-12-31", "2028-01-01/2028-12-31", "2029-01-01/2029-12-31"]
    _, errors = validate({"closed_dates": years})
    assert "1096 days" in errors["closed_dates"] and "366" in errors["closed_dates"]
    _, errors = validate({"suppliers": [{"vendor": "Acme", "closed_dates": years}]})
    assert "suppliers.0.closed_dates" in errors
    overlapping = ["2028-01-01/2028-12-31", "2028-03-01/2028-03-31", "2028-12-31"]  # one leap year, counted once
    assert validate({"closed_dates": overlapping})[1] == {}


def test_closures_and_weekend_together_cannot_leave_no_working_day_for_over_400_days():
    """Only Mondays open and every Monday closed for a long stretch: the window would never start."""
    mondays = days(date(2027, 1, 4), 100, 7 * DAY)
    weekend = ["tue", "wed", "thu", "fri", "sat", "sun"]
    _, errors = validate({"weekend": weekend, "closed_dates": mondays})
    assert "closed_dates" in errors and "from 2026-12-29" in errors["closed_dates"], errors
    _, errors = validate({"closed_dates": mondays, "suppliers": [{"tag": "x", "weekend": weekend}]})
    assert set(errors) == {"suppliers.0.weekend"}, errors  # the supplier inherits the shop's closures
    _, errors = validate({"weekend": weekend, "suppliers": [{"tag": "x", "closed_dates": mondays}]})
    assert set(errors) == {"suppliers.0.closed_dates"}, errors
    assert validate({"weekend": weekend, "closed_dates": mondays[:50]})[1] == {}


def test_the_largest_calendars_accepted_still_give_a_window():
    weekend = ["tue", "wed", "thu", "fri", "sat", "sun"]
    mondays = days(date(2027, 1, 4), 56, 7 * DAY)
    for document, ordered, after in (
            ({"closed_dates": ["2028-01-01/2028-12-31"], "weekend": weekend}, datetime(2027, 12, 30), "2028-12-31"),
            ({"closed_dates": mondays, "weekend": weekend}, datetime(2027, 1, 1), mondays[-1])):
        settings, errors = validate(document)
        assert errors == {}, errors
        window = order_window(settings, ordered.replace(tzinfo=UTC), "KR", [Item()])
        assert window.ship_from.isoformat() > after
