"""Delay notices are automatic mail (RFC 3834)."""
from __future__ import annotations

from shop_plugin.delays import service as delays
from shop_plugin.extensions import session
from tests.delays.test_delay_pipeline import RULES
from tests.delays.test_scan_pages import AT, seed
from tests.support import backdate_install


def noticed(desk, order_id: int = 101):
    """Order #101 slipped: the scan opened its late-dispatch ticket and emailed the notice."""
    backdate_install(desk.app)
    desk.settings(RULES)
    seed(desk.app, [order_id])
    with desk.app.app_context():
        delays.scan(session(), now=AT, limit=5)
    [ticket] = desk.tickets()
    [notice] = desk.sink.messages
    return ticket, notice


def test_a_delay_notice_is_marked_auto_generated(desk):
    _, notice = noticed(desk)
    assert notice["Auto-Submitted"] == "auto-generated"

