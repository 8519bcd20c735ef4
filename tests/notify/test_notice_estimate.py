"""The new estimate in a delay notice counts from the store's today, not the server's."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from shop_plugin.notify import notices
from shop_plugin.promises.settings import defaults


def test_the_notice_estimate_counts_from_the_stores_today_not_the_servers(monkeypatch):
    # Wednesday 18 November 2026, 23:30 UTC: already Thursday 08:30 in Seoul.
    monkeypatch.setattr(notices, "utcnow", lambda: datetime(2026, 11, 18, 23, 30, tzinfo=UTC))
    settings = {**defaults(), "timezone": "Asia/Seoul", "transit": [{"countries": ["KR"], "days": [2, 3]}]}
    order = SimpleNamespace(destination_country="KR")
    # From Thursday: two business days is Monday the 23rd, three Tuesday the 24th (from Wednesday it
    # would be Friday to Monday).
    assert notices._estimate(settings, order, shipped=True, locale="en") == "Nov 23\u2009–\u200924, 2026"
