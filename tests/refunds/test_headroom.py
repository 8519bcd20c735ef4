"""Dispute-programme warnings: a shop in a programme, or near one, is told before the month is out."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shop_plugin.disputes import ratio
from shop_plugin.extensions import session
from shop_plugin.shops.models import Shop
from tests.refunds.test_disputes_and_prompts import NOW, dispute, install, order
from tests.support import OTHER_SHOP, SHOP, bearer, signed_webhook


def levels(orders: int, chargebacks: int) -> dict[str, tuple[str, int]]:
    found = ratio.warnings_for(ratio.figures(month="2026-11", orders=orders, counts={"chargeback": chargebacks,
                                                                                      "inquiry": 5}))
    return {w["programme"]: (w["level"], w["disputes_left"]) for w in found}


@pytest.mark.parametrize("orders,chargebacks,expected", [
    # a small shop far above every ratio, but far below every minimum count: no programme is near
    (4, 1, {}),
    # early warning needs max(100, 1% of 10,000) = 100: two to go is near, three is not
    (10_000, 98, {"mastercard_early_warning": ("near", 2)}),
    (10_000, 97, {}),
    # 125 of 10,000 = 1.25%: in early warning (≥ 100 and ≥ 1%); ECM needs 150 (25 to go) but
    # 1.25% is 83% of its 1.5%, and the shop has ECM's minimum count
    (10_000, 125, {"mastercard_early_warning": ("over", 0), "mastercard_ecm": ("near", 25)}),
    # 1.19% is 79% of 1.5%: ECM is not near yet
    (10_000, 119, {"mastercard_early_warning": ("over", 0)}),
    # 1,400 of 100,000 = 1.4%: 93% of Visa's 1.5% but under its 1,500 minimum count (100 to go), so
    # not near; 93% of ECM's 1.5% above its minimum of 100, so near; 47% of HECM's 3%, so not
    (100_000, 1_400, {"mastercard_early_warning": ("over", 0), "mastercard_ecm": ("near", 100)}),
])
def test_programmes_warn_when_the_shop_is_in_or_near_them(orders, chargebacks, expected):
    assert levels(orders, chargebacks) == expected


def test_warnings_come_over_first_with_the_arithmetic_shown():
    found = ratio.warnings_for(ratio.figures(month="2026-11", orders=10_000, counts={"chargeback": 125}))
    assert [w["level"] for w in found] == ["over", "near"]
    ecm = found[1]
    assert (ecm["threshold"], ecm["min_count"], ecm["chargebacks"], ecm["ratio"], ecm["share_of_threshold"]) == (
        0.015, 100, 125, 0.0125, 0.833)


SMALL = ({"programme": "test_programme", "ratio": 0.25, "min_count": 3},)


def test_the_ratio_endpoint_lists_this_months_warnings_per_shop(app, client, monkeypatch):
    monkeypatch.setattr(ratio, "THRESHOLDS", SMALL)
    install(client)
    install(client, OTHER_SHOP)
    for n in range(4):
        signed_webhook(client, "orders/create", order(6000 + n, created_at=NOW.isoformat()))
    assert client.get("/api/disputes/ratio", headers=bearer()).json["warnings"] == []  # 3 to go
    signed_webhook(client, "disputes/create", dispute(kind="chargeback", order_id=6000, dispute_id=1))
    figures = client.get("/api/disputes/ratio", headers=bearer()).json
    assert (figures["orders"], figures["chargebacks"], figures["headroom"]) == (
        4, 1, [{"programme": "test_programme", "disputes_left": 2}])
    assert [(w["programme"], w["level"], w["disputes_left"]) for w in figures["warnings"]] == [
        ("test_programme", "near", 2)]
    for n in (2, 3):
        signed_webhook(client, "disputes/create", dispute(kind="chargeback", order_id=6000 + n, dispute_id=n))
    assert client.get("/api/disputes/ratio", headers=bearer()).json["warnings"][0]["level"] == "over"
    assert client.get("/api/disputes/ratio", headers=bearer(OTHER_SHOP)).json["warnings"] == []
    with app.app_context():
        shop = session().query(Shop).filter_by(domain=SHOP).one()
        assert [w["level"] for w in ratio.warnings(session(), shop=shop, now=NOW)] == ["over"]
        assert ratio.warnings(session(), shop=shop, now=datetime(2020, 1, 15, tzinfo=UTC)) == []


@pytest.mark.parametrize("orders,chargebacks,expected", [
    # one chargeback in a small shop: 99+ to go before any programme's minimum count, whatever the ratio
    (8, 1, 0.0), (13, 1, 0.0),
    # 98 of 10,000: the next one makes 99, still under early warning's minimum of 100
    (10_000, 98, 0.0),
    # 99 of 10,000: the next one reaches early warning's minimum; 0.99% is 99% of its 1%
    (10_000, 99, 0.99),
    # 150 of 1,000: over ECM's 1.5% with its minimum count
    (1_000, 150, 1.0),
])
def test_threshold_pressure_counts_only_programmes_the_next_chargeback_could_reach(orders, chargebacks, expected):
    figures = ratio.figures(month="2026-11", orders=orders, counts={"chargeback": chargebacks, "inquiry": 5})
    assert ratio.pressure_of(figures) == pytest.approx(expected)


def test_one_chargeback_in_a_small_shop_adds_no_threshold_penalty_to_prompts(app, client):
    install(client)
    for n in range(10):
        signed_webhook(client, "orders/create", order(6100 + n, created_at=NOW.isoformat()))
    signed_webhook(client, "disputes/create", dispute(kind="chargeback", order_id=6100, dispute_id=1))
    signed_webhook(client, "disputes/create", dispute(order_id=6101, dispute_id=2))
    [prompt] = [p for p in client.get("/api/refund-prompts", headers=bearer()).json["prompts"]
                if p["order_id"] == 6101]
    assert (prompt["rationale"]["threshold_penalty"], prompt["recommended"]) == ("0.00", "partial_refund")
