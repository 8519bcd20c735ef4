"""Refund prompts as JSON: the API, the ticket story and the ticket page show the same shape."""
from __future__ import annotations

from shop_plugin.db import iso
from shop_plugin.orders.serialize import money_str
from shop_plugin.refunds.models import RefundPrompt


def prompt_json(p: RefundPrompt, names: dict[int, str]) -> dict:
    return {"id": p.id, "order_id": p.order_shopify_id, "order_name": names.get(p.order_shopify_id),
            "trigger": p.trigger, "recommended": p.recommended, "amount": money_str(p.amount, p.currency),
            "currency": p.currency, "expected_chargeback_cost": money_str(p.expected_chargeback_cost, p.currency),
            "rationale": p.rationale, "status": p.status, "created_at": iso(p.created_at),
            "refund_id": p.refund_shopify_id, "error": p.error, "note": p.note}
