"""The dashboard: numbers and server-drawn SVG charts for a date range; refunds against chargebacks avoided."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from shop_plugin.extensions import session
from shop_plugin.orders.models import Dispute
from shop_plugin.refunds.models import RefundPrompt
from tests.admin.support import NOW, html_of, page, seed_tickets, shop_row


def test_the_dashboard_shows_metrics_and_accessible_svg_charts(app, installed):
    seed_tickets(app, 3, first_responded_at=NOW - timedelta(hours=20), csat_rating=5, csat_at=NOW,
                 reason="past_promise")
    seed_tickets(app, 2, start=4, reason="likely_lost")
    response = page(installed, "/dashboard")
    assert response.status_code == 200
    html = html_of(response)
    assert html.count("<svg role=\"img\"") >= 5
    for title in ("New tickets per day, by reason", "Response and resolution times (hours)",
                  "Tickets by reason"):
        assert f">{title}</title>" in html
    assert "<desc id=" in html and "<summary>Data:" in html
    assert "</svg> past promise</span>" in html and "</svg> likely lost</span>" in html  # the legend, in words
    assert "<td>past promise</td><td>3</td>" in html
    assert "5.0 / 5" in html and "3 ratings" in html
    assert "<script" not in html.split("</head>")[1]


def test_the_date_range_selects_the_tickets_counted(app, installed):
    seed_tickets(app, 2)
    today = NOW.date()
    in_range = html_of(page(installed, "/dashboard", **{"from": str(today - timedelta(days=3)), "to": str(today)}))
    assert f'value="{today - timedelta(days=3)}"' in in_range
    assert "<td>past promise</td><td>2</td>" in in_range
    empty = html_of(page(installed, "/dashboard", **{"from": "2020-01-01", "to": "2020-01-31"}))
    assert "<td>past promise</td>" not in empty and 'value="2020-01-31"' in empty


def test_a_bad_range_is_explained_and_the_default_shown(installed):
    response = page(installed, "/dashboard", **{"from": "yesterday", "to": "2026-13-40"})
    assert response.status_code == 200
    html = html_of(response)
    assert "must be an ISO-8601 date" in html and "<svg" in html


def test_refunds_made_against_chargebacks_avoided_with_the_footnote(app, installed):
    with app.app_context():
        shop = shop_row()
        for n, (trigger, amount, expected) in enumerate((("inquiry", "24.00", "63.00"), ("past_promise", "40.00",
                                                                                        "22.75"))):
            session().add(RefundPrompt(shop_id=shop.id, order_shopify_id=500 + n, trigger=trigger, recommended="x",
                                       amount=Decimal(amount), currency="USD", expected_chargeback_cost=Decimal(
                                           expected), rationale={}, status="refunded", created_at=NOW,
                                       decided_at=NOW - timedelta(hours=1)))
        session().add(Dispute(shop_id=shop.id, shopify_id=1, type="chargeback", amount=Decimal("80"), currency="USD",
                              initiated_at=NOW - timedelta(days=1)))
        session().commit()
    html = html_of(page(installed, "/dashboard"))
    row = re.search(r"<td>USD</td>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells == ["2", "64.00", "1.0", "85.75", "21.75", "1 (80.00)"]
    assert "Estimated." in html and "probability × (order total + chargeback fee + handling cost)" in html


def test_the_dispute_ratio_warns_when_headroom_is_small(app, installed):
    with app.app_context():
        shop = shop_row()
        for n in range(99):
            session().add(Dispute(shop_id=shop.id, shopify_id=1000 + n, type="chargeback", amount=Decimal("10"),
                                  currency="USD", initiated_at=NOW))
        session().commit()
    html = html_of(page(installed, "/dashboard"))
    assert 'class="warning" role="alert"' in html and "mastercard ecm: only 1 more chargebacks" in html
    assert ">Chargeback ratio in" in html


def test_no_warning_with_room_to_spare(installed):
    assert 'class="warning"' not in html_of(page(installed, "/dashboard"))
