"""metrics.compute and GET /api/metrics: known tickets give known numbers on both databases."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shop_plugin.extensions import session
from shop_plugin.helpdesk import metrics
from shop_plugin.shops import service as shops
from tests.helpdesk_api import rows
from tests.support import OTHER_SHOP, SHOP, bearer

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
START, END = datetime(2026, 3, 1, tzinfo=UTC), NOW
MINUTE = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def answered(created: datetime, first: int, resolved: int | None, first_due: int = 60, resolution_due: int = 480,
             **fields) -> dict:
    """A ticket answered `first` minutes and finished `resolved` minutes after it was opened."""
    return {"created_at": created, "first_responded_at": created + first * MINUTE,
            "resolved_at": created + resolved * MINUTE if resolved is not None else None,
            "first_response_due_at": created + first_due * MINUTE,
            "resolution_due_at": created + resolution_due * MINUTE, **fields}


def desk(app) -> None:
    """Six tickets in the period (Seoul days 2, 3, 5, 5, 5 and 7 March), one before it, one elsewhere."""
    rows.ticket(app, reason="late_dispatch", status="resolved", csat_rating=5, **answered(at(2, 20), 10, 60))
    rows.ticket(app, reason="late_dispatch", status="closed", csat_rating=3, **answered(at(2, 10), 20, 120))
    rows.ticket(app, status="resolved", first_response_breached=True, resolution_breached=True,
                **answered(at(5, 1), 30, 600, first_due=15))
    rows.ticket(app, due_at=at(12, 0), **answered(at(5, 1), 40, None, resolution_due=60 * 24 * 7))
    rows.ticket(app, created_at=at(5, 1), first_response_due_at=at(5, 2), due_at=at(5, 2))
    rows.ticket(app, reason="dispute", status="pending", created_at=at(6, 15, 30))
    rows.ticket(app, created_at=datetime(2026, 2, 20, tzinfo=UTC), due_at=at(1, 0), first_response_due_at=at(1, 0))
    rows.ticket(app, shop=OTHER_SHOP, status="resolved", csat_rating=1, **answered(at(3, 9), 900, 900))


def compute(app, timezone: str = "Asia/Seoul") -> dict:
    with app.app_context():
        return metrics.compute(session(), shop=shops.get_or_create(domain=SHOP), start=START, end=END, now=NOW,
                               timezone=timezone)


def test_times_sla_volume_csat_and_breaches_of_a_known_desk(app):
    desk(app)
    result = compute(app)
    assert result["first_response"] == {"median_minutes": 20.0, "p90_minutes": 40.0}
    assert result["resolution"] == {"median_minutes": 120.0, "p90_minutes": 600.0}
    assert result["sla_met_pct"] == 60.0
    assert result["volume_by_reason"] == {"dispute": 1, "late_dispatch": 2, "question": 3}
    assert result["csat"] == {"count": 2, "average": 4.0}
    assert result["breaches"] == {"first_response": 1, "resolution": 1}
    assert (result["open"], result["overdue"]) == (4, 2)


def test_days_are_the_shops_days(app):
    desk(app)
    seoul = [(d["date"], d["reason"], d["count"]) for d in compute(app)["volume_by_day"]]
    assert seoul == [("2026-03-02", "late_dispatch", 1), ("2026-03-03", "late_dispatch", 1),
                     ("2026-03-05", "question", 3), ("2026-03-07", "dispute", 1)]
    utc = [(d["date"], d["reason"], d["count"]) for d in compute(app, "UTC")["volume_by_day"]]
    assert utc[0] == ("2026-03-02", "late_dispatch", 2) and utc[-1] == ("2026-03-06", "dispute", 1)


def test_a_period_without_tickets_has_no_times_and_no_sla(app):
    rows.ticket(app, shop=OTHER_SHOP, **answered(at(3, 9), 5, 5))
    result = compute(app)
    assert result["first_response"] == {"median_minutes": None, "p90_minutes": None}
    assert result["sla_met_pct"] is None and result["csat"] == {"count": 0, "average": None}
    assert result["volume_by_day"] == [] and (result["open"], result["overdue"]) == (0, 0)


def test_the_api_reads_dates_as_whole_days_in_the_shops_time_zone(app, client):
    client.put("/api/settings", json={"timezone": "Asia/Seoul"}, headers=bearer())
    desk(app)
    body = client.get("/api/metrics?from=2026-03-02&to=2026-03-02", headers=bearer()).json
    assert (body["from"], body["to"], body["timezone"]) == ("2026-03-01T15:00:00Z", "2026-03-02T15:00:00Z",
                                                            "Asia/Seoul")
    assert body["volume_by_reason"] == {"late_dispatch": 1}
    instants = client.get("/api/metrics?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z", headers=bearer()).json
    assert instants["volume_by_reason"] == {"late_dispatch": 2}


def test_the_api_defaults_to_the_last_30_days(app, client):
    rows.ticket(app)
    rows.ticket(app, created_at=datetime.now(UTC) - timedelta(days=31))
    body = client.get("/api/metrics", headers=bearer()).json
    assert body["volume_by_reason"] == {"question": 1} and body["open"] == 2
    span = datetime.fromisoformat(body["to"]) - datetime.fromisoformat(body["from"])
    assert span == timedelta(days=30)


@pytest.mark.parametrize(("query", "field"), [
    ("from=yesterday", "from"), ("to=2026-13-01", "to"), ("from=2026-03-05&to=2026-03-01", "from"),
    ("from=2025-01-01&to=2026-03-01", "from"), ("from=0001-01-01", "from"), ("to=9999-12-31", "to"),
])
def test_a_wrong_range_is_400(client, query, field):
    response = client.get(f"/api/metrics?{query}", headers=bearer())
    assert response.status_code == 400 and set(response.json["errors"]) == {field}
