"""Refund or wait? The expected cost of a chargeback against the cost of refunding now.

expected = p(trigger) × (order total + chargeback fee + handling cost) + threshold penalty
penalty  = chargeback fee × 10 × pressure²,  pressure = the shop's chargeback ratio this month
           divided by the ratio of the nearest card-network programme the next chargeback could
           reach (one applies only from its minimum count), capped at 1; 0 while none is in reach
           (disputes.ratio.pressure_of): the nearer the shop is to a monitoring programme, the more
           each further chargeback costs.
Recommend a full refund when expected ≥ the order total, a partial refund (a share of the total)
when expected ≥ that share, a reship for carrier losses, else wait.

p(trigger), the chance the order ends in a chargeback if nothing is done (merchants may override):
  inquiry 0.60, chargeback_unfulfilled 0.90: the bank is already involved.
  past_promise 0.35, likely_lost 0.60, delivery_exception 0.30: the longer the wait, the likelier.
  customer_intent 0.45: the customer wrote of a refund, the bank, a dispute or a PayPal claim.
  repeated_contact 0.40: three or more messages about the order within seven days.
  customer_choice 0.80: the customer asked for a refund through the late-order choice; this
    trigger is refunded by that choice within the caps, so it cannot be an automatic trigger.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from shop_plugin.validation import Errors

DEFAULT_REFUND_RULES = {
    "chargeback_fee": "15.00",
    "handling_cost": "10.00",
    "partial_share": "0.30",
    "past_promise_days": 7,
    "delivery_exception_days": 3,
    # Off by default: refund without asking, for these triggers, up to these caps. The caps also
    # bound refunds that customers choose (refunds.choices), whether or not this rule is enabled.
    "automatic": {"enabled": False, "triggers": [], "max_order_amount": "50.00", "max_per_day": 5},
    "probabilities": {
        "inquiry": "0.60", "chargeback_unfulfilled": "0.90", "past_promise": "0.35", "likely_lost": "0.60",
        "delivery_exception": "0.30", "customer_intent": "0.45", "repeated_contact": "0.40",
        "customer_choice": "0.80",
    },
}
# What the automatic rule may act on. Not a customer's own choice (they asked; the merchant decides), and
# not a chargeback: the bank has already taken the money back, so a refund would pay the buyer twice
# (such a prompt recommends waiting and cannot be accepted while the chargeback stands).
NEVER_AUTOMATIC = {"customer_choice": "the customer's own choice is the merchant's to decide",
                   "chargeback_unfulfilled": "a chargeback has already taken the money back; a refund would "
                                             "pay the buyer twice"}
AUTOMATIC_TRIGGERS = tuple(t for t in DEFAULT_REFUND_RULES["probabilities"] if t not in NEVER_AUTOMATIC)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Assessment:
    recommended: str
    amount: Decimal
    expected_chargeback_cost: Decimal
    rationale: dict


def rules_of(settings: dict) -> dict:
    given = settings.get("refund_rules", {})
    return {**DEFAULT_REFUND_RULES, **given,
            "automatic": {**DEFAULT_REFUND_RULES["automatic"], **given.get("automatic", {})},
            "probabilities": {**DEFAULT_REFUND_RULES["probabilities"], **given.get("probabilities", {})}}


def assess(*, trigger: str, total: Decimal, refunded: Decimal, pressure: float, rules: dict) -> Assessment:
    """The recommendation for one order and trigger, with the arithmetic that produced it."""
    p = Decimal(rules["probabilities"][trigger])
    fee, handling = Decimal(rules["chargeback_fee"]), Decimal(rules["handling_cost"])
    pressure_d = Decimal(str(min(max(pressure, 0.0), 1.0))).quantize(Decimal("0.0001"))
    penalty = (fee * 10 * pressure_d * pressure_d).quantize(CENT, ROUND_HALF_UP)
    expected = (p * (total + fee + handling) + penalty).quantize(CENT, ROUND_HALF_UP)
    refundable = max(total - refunded, Decimal(0))
    partial = (refundable * Decimal(rules["partial_share"])).quantize(CENT, ROUND_HALF_UP)
    if expected >= refundable:
        recommended, amount = "full_refund", refundable
    elif expected >= partial:
        recommended, amount = "partial_refund", partial
    elif trigger in ("likely_lost", "delivery_exception"):
        recommended, amount = "reship", Decimal(0)
    else:
        recommended, amount = "wait", Decimal(0)
    rationale = {
        "probability": str(p), "order_total": str(total), "already_refunded": str(refunded),
        "chargeback_fee": str(fee), "handling_cost": str(handling), "threshold_pressure": str(pressure_d),
        "threshold_penalty": str(penalty), "expected_chargeback_cost": str(expected),
        "refund_cost": str(amount if recommended.endswith("refund") else Decimal(0)),
        "formula": f"{p} × ({total} + {fee} + {handling}) + {penalty} = {expected}",
    }
    return Assessment(recommended, amount, expected, rationale)


def withheld(assessment: Assessment, why: str) -> Assessment:
    """No refund recommended, whatever the arithmetic says, and why (a refund that cannot help)."""
    return replace(assessment, recommended="wait", amount=Decimal(0),
                   rationale={**assessment.rationale, "refund_cost": "0", "refund_blocked": why})


def check_refund_rules(errors: Errors, path: str, value) -> None:
    allowed = set(DEFAULT_REFUND_RULES)
    if not errors.check(isinstance(value, dict) and set(value) <= allowed, path,
                        f"must be an object with keys among {', '.join(sorted(allowed))}"):
        return
    for key in ("chargeback_fee", "handling_cost", "partial_share"):
        if key in value:
            try:
                ok = Decimal(str(value[key])) >= 0 and (key != "partial_share" or Decimal(str(value[key])) <= 1)
            except ArithmeticError:
                ok = False
            errors.check(ok, f"{path}.{key}", "must be a non-negative decimal (a share is at most 1)")
    for key in ("past_promise_days", "delivery_exception_days"):
        if key in value:
            errors.check(type(value[key]) is int and 1 <= value[key] <= 90, f"{path}.{key}", "must be 1 to 90 days")
    if "automatic" in value:
        _check_automatic(errors, f"{path}.automatic", value["automatic"])
    probabilities = value.get("probabilities", {})
    if errors.check(isinstance(probabilities, dict) and set(probabilities) <= set(
            DEFAULT_REFUND_RULES["probabilities"]), f"{path}.probabilities", "names an unknown trigger"):
        for trigger, p in probabilities.items():
            try:
                ok = 0 <= Decimal(str(p)) <= 1
            except ArithmeticError:
                ok = False
            errors.check(ok, f"{path}.probabilities.{trigger}", "must be between 0 and 1")


def _check_automatic(errors: Errors, path: str, auto) -> None:
    if not errors.check(isinstance(auto, dict) and set(auto) <= set(DEFAULT_REFUND_RULES["automatic"]), path,
                        "must be {enabled, triggers, max_order_amount, max_per_day}"):
        return
    errors.check(isinstance(auto.get("enabled", False), bool), f"{path}.enabled", "must be true or false")
    triggers = auto.get("triggers", [])
    never = [t for t in triggers if t in NEVER_AUTOMATIC] if isinstance(triggers, list) else []
    errors.check(isinstance(triggers, list) and set(triggers) <= set(AUTOMATIC_TRIGGERS),
                 f"{path}.triggers", f"must list triggers among {', '.join(AUTOMATIC_TRIGGERS)}"
                 + "".join(f" ({t}: {NEVER_AUTOMATIC[t]})" for t in never))
    try:
        ok = Decimal(str(auto.get("max_order_amount", "0"))) >= 0
    except ArithmeticError:
        ok = False
    errors.check(ok, f"{path}.max_order_amount", "must be a non-negative decimal")
    per_day = auto.get("max_per_day", 5)
    errors.check(type(per_day) is int and 0 <= per_day <= 1000, f"{path}.max_per_day", "must be 0 to 1000")
