"""The dashboard's numbers and charts for a date range: helpdesk metrics, delay rates by supplier and
carrier, the dispute ratio with its headroom, and refunds made against chargebacks avoided.

Chargebacks avoided are an estimate (the page's footnote says the same): for each prompt refunded
in the range, the chance p(trigger) that the order would have ended in a chargeback (the refund
rules' probabilities), summed for a count; and the expected chargeback cost recorded on the prompt
when it was raised, p × (order total + chargeback fee + handling cost) + threshold penalty
(refunds/cost.py), summed for an amount. Refunds made are the amounts refunded through prompts.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop_plugin.admin import charts
from shop_plugin.delays.stats import delay_stats
from shop_plugin.disputes import ratio
from shop_plugin.helpdesk import metrics
from shop_plugin.orders.models import Dispute
from shop_plugin.refunds import cost
from shop_plugin.refunds.models import RefundPrompt
from shop_plugin.shops.models import Shop

TOP_GROUPS = 10


def _days(start: datetime, end: datetime, tz: ZoneInfo) -> list[str]:
    first, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def volume_charts(volume_by_day: list[dict], days: list[str]) -> tuple[charts.Chart, charts.Chart]:
    """Tickets per day stacked by reason, and the daily total as a line."""
    reasons = sorted({_words(row["reason"]) for row in volume_by_day})
    index = {day: i for i, day in enumerate(days)}
    series = {reason: [0] * len(days) for reason in reasons}
    for row in volume_by_day:
        if row["date"] in index:
            series[_words(row["reason"])][index[row["date"]]] += row["count"]
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    return (charts.stacked_bars(days, series, title="New tickets per day, by reason", tick=_month_day),
            charts.line_chart(list(zip(days, totals, strict=True)), title="New tickets per day", tick=_month_day))


def _month_day(day: str) -> str:
    """2027-01-31 → 01-31 on the axis; the year is in the date range above the charts."""
    return day[5:]


def _words(code: str) -> str:
    return code.replace("_", " ")


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def times_chart(m: dict) -> charts.Chart:
    rows = [(f"{label}, {stat}", _hours(m[key][f"{stat}_minutes"]))
            for key, label in (("first_response", "First response"), ("resolution", "Resolution"))
            for stat in ("median", "p90")]
    return charts.bar_chart(rows, title="Response and resolution times (hours)", unit=" h")


def delay_section(s: Session, *, shop: Shop, start: datetime, end: datetime, timezone: str, now: datetime) -> dict:
    """Per supplier and carrier: the table rows and a chart of late deliveries (share not on time)."""
    out = {}
    for group in ("supplier", "carrier"):
        rows = delay_stats(s, shop_id=shop.id, start=start, end=end, group=group, timezone=timezone,
                           now=now)[:TOP_GROUPS]
        late = [(r["group"], None if r["on_time_delivery_rate"] is None
                 else round(100 * (1 - r["on_time_delivery_rate"]), 1)) for r in rows]
        out[group] = {"rows": rows, "chart": charts.bar_chart(late, title=f"Late deliveries by {group} (%)",
                                                              unit="%", max_value=100)}
    return out


def dispute_section(s: Session, *, shop: Shop, timezone: str, now: datetime) -> dict:
    """This month's ratio, its headroom per programme and the warnings when headroom is small."""
    month = now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")
    monthly = ratio.monthly_ratio(s, shop=shop, month=month, timezone=timezone)
    rows = [(t["programme"].replace("_", " "), round(100 * t["ratio"], 2)) for t in monthly["thresholds"]]
    chart = charts.bar_chart([("your ratio", round(100 * monthly["ratio"], 2)), *rows],
                             title=f"Chargeback ratio in {month} against programme thresholds (%)", unit="%")
    return {"monthly": monthly, "warnings": [warning_text(w) for w in ratio.warnings_for(monthly)], "chart": chart}


def warning_text(w: dict) -> str:
    """One programme warning from disputes.ratio in words."""
    programme = w["programme"].replace("_", " ")
    if w["level"] == "over":
        return (f"{programme}: this month's {w['chargebacks']} chargebacks reach the programme "
                f"({100 * w['threshold']:.1f}% of orders, at least {w['min_count']}).")
    return (f"{programme}: only {w['disputes_left']} more chargebacks this month before the programme "
            f"({100 * w['threshold']:.1f}% of orders, at least {w['min_count']}); refund disputed orders early.")


def refund_economics(s: Session, *, shop: Shop, start: datetime, end: datetime, settings: dict) -> list[dict]:
    """Per currency: refunds made through prompts, chargebacks avoided (estimated) and chargebacks received."""
    p = cost.rules_of(settings)["probabilities"]
    by_currency: dict[str, dict] = {}

    def row(currency: str | None) -> dict:
        return by_currency.setdefault(currency or "—", {
            "currency": currency or "—", "refunds": 0, "refunded": Decimal(0), "avoided_count": Decimal(0),
            "avoided_cost": Decimal(0), "chargebacks": 0, "chargeback_amount": Decimal(0)})

    refunded = s.execute(select(RefundPrompt.currency, RefundPrompt.trigger, func.count(),
                                func.sum(RefundPrompt.amount), func.sum(RefundPrompt.expected_chargeback_cost))
                         .where(RefundPrompt.shop_id == shop.id, RefundPrompt.status == "refunded",
                                RefundPrompt.decided_at >= start, RefundPrompt.decided_at < end)
                         .group_by(RefundPrompt.currency, RefundPrompt.trigger))
    for currency, trigger, count, amount, expected in refunded:
        r = row(currency)
        r["refunds"] += count
        r["refunded"] += Decimal(amount or 0)
        r["avoided_count"] += count * Decimal(p.get(trigger, "0"))
        r["avoided_cost"] += Decimal(expected or 0)
    received = s.execute(select(Dispute.currency, func.count(), func.sum(Dispute.amount))
                         .where(Dispute.shop_id == shop.id, Dispute.type == "chargeback",
                                Dispute.initiated_at >= start, Dispute.initiated_at < end)
                         .group_by(Dispute.currency))
    for currency, count, amount in received:
        r = row(currency)
        r["chargebacks"] += count
        r["chargeback_amount"] += Decimal(amount or 0)
    return [_rounded(r) for _, r in sorted(by_currency.items())]


def _rounded(r: dict) -> dict:
    cent = Decimal("0.01")
    return {**r, "refunded": r["refunded"].quantize(cent), "avoided_cost": r["avoided_cost"].quantize(cent),
            "avoided_count": r["avoided_count"].quantize(Decimal("0.1")),
            "chargeback_amount": r["chargeback_amount"].quantize(cent),
            "net": (r["avoided_cost"] - r["refunded"]).quantize(cent)}


def build(s: Session, *, shop: Shop, start: datetime, end: datetime, settings: dict, now: datetime) -> dict:
    """Everything the dashboard shows for tickets and orders created in [start, end)."""
    tz = settings["timezone"]
    m = metrics.compute(s, shop=shop, start=start, end=end, now=now, timezone=tz)
    stacked, line = volume_charts(m["volume_by_day"], _days(start, end, ZoneInfo(tz)))
    reasons = sorted(((_words(k), v) for k, v in m["volume_by_reason"].items()), key=lambda kv: (-kv[1], kv[0]))
    return {
        "m": m, "volume_chart": stacked, "total_chart": line, "times_chart": times_chart(m),
        "reason_chart": charts.bar_chart(reasons, title="Tickets by reason"),
        "delays": delay_section(s, shop=shop, start=start, end=end, timezone=tz, now=now),
        "disputes": dispute_section(s, shop=shop, timezone=tz, now=now),
        "economics": refund_economics(s, shop=shop, start=start, end=end, settings=settings),
    }


def shown_dates(start: datetime, end: datetime, timezone: str) -> tuple[date, date]:
    """The first and last day of [start, end) in the shop's zone, for the date inputs."""
    tz = ZoneInfo(timezone)
    return start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()
