"""The refund-or-wait arithmetic, table by table."""
from __future__ import annotations

from decimal import Decimal

import pytest

from shop_plugin.refunds.cost import DEFAULT_REFUND_RULES, assess, rules_of


@pytest.mark.parametrize("trigger,total,pressure,recommended,amount,expected", [
    # 0.90 × (20 + 15 + 10) = 40.50 ≥ 20 → refund everything
    ("chargeback_unfulfilled", "20.00", 0.0, "full_refund", "20.00", "40.50"),
    # 0.60 × (100 + 25) = 75.00 < 100, ≥ 30 (30%) → partial refund of 30.00
    ("inquiry", "100.00", 0.0, "partial_refund", "30.00", "75.00"),
    # 0.30 × (500 + 25) = 157.50 ≥ 150 → partial
    ("delivery_exception", "500.00", 0.0, "partial_refund", "150.00", "157.50"),
    # 0.30 × (2000 + 25) = 607.50 < 600? no: ≥ 600 → partial
    ("delivery_exception", "2000.00", 0.0, "partial_refund", "600.00", "607.50"),
    # 0.35 × (5000 + 25) = 1758.75 ≥ 1500 → partial
    ("past_promise", "5000.00", 0.0, "partial_refund", "1500.00", "1758.75"),
    # with the default probabilities (≥ the 30% share) a refund is always at least partial
    ("past_promise", "20000.00", 0.0, "partial_refund", "6000.00", "7008.75"),
    # near a network threshold: + 15 × 10 × 1² = 150 → 0.60 × 125 + 150 = 225 ≥ 100 → full
    ("inquiry", "100.00", 1.0, "full_refund", "100.00", "225.00"),
])
def test_recommendations(trigger, total, pressure, recommended, amount, expected):
    result = assess(trigger=trigger, total=Decimal(total), refunded=Decimal(0), pressure=pressure,
                    rules=rules_of({}))
    assert (result.recommended, result.amount, result.expected_chargeback_cost) == (
        recommended, Decimal(amount), Decimal(expected))
    assert result.rationale["formula"].endswith(f"= {expected}")


@pytest.mark.parametrize("trigger,recommended", [("delivery_exception", "reship"), ("past_promise", "wait")])
def test_unlikely_chargebacks_mean_reship_or_wait(trigger, recommended):
    rules = rules_of({"refund_rules": {"probabilities": {trigger: "0.10"}}})
    result = assess(trigger=trigger, total=Decimal("1000"), refunded=Decimal(0), pressure=0, rules=rules)
    # 0.10 × (1000 + 25) = 102.50 < 300 (30%)
    assert (result.recommended, result.amount, result.expected_chargeback_cost) == (
        recommended, Decimal(0), Decimal("102.50"))


def test_what_was_refunded_already_is_not_refunded_again():
    result = assess(trigger="chargeback_unfulfilled", total=Decimal("50"), refunded=Decimal("20"), pressure=0,
                    rules=rules_of({}))
    assert (result.recommended, result.amount) == ("full_refund", Decimal("30"))


def test_shop_settings_change_fee_and_probabilities():
    rules = rules_of({"refund_rules": {"chargeback_fee": "0", "handling_cost": "0",
                                       "probabilities": {"inquiry": "0.10"}}})
    result = assess(trigger="inquiry", total=Decimal("100"), refunded=Decimal(0), pressure=0, rules=rules)
    assert result.expected_chargeback_cost == Decimal("10.00") and result.recommended == "wait"
    assert DEFAULT_REFUND_RULES["probabilities"]["inquiry"] == "0.60"
