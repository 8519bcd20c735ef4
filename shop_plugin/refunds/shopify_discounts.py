"""discountCodeBasicCreate through Admin GraphQL (2026-10): one single-use code for one customer.

The mutation takes no idempotency key; the code itself is the key. It is chosen and stored before
the call, so a retry sends the same code, and "code taken" (TAKEN or DUPLICATE) means an earlier
attempt succeeded: the existing discount is looked up by its code.
Since 2025-10 `context` replaces `customerSelection` for who may use a code.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from shop_plugin.db import iso
from shop_plugin.effects.service import EffectRejected, RetryLater
from shop_plugin.shopify.admin import graphql
from shop_plugin.shops.models import Shop

CREATE = """
mutation ChoiceDiscountCreate($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""
ALREADY_THERE = ("TAKEN", "DUPLICATE")  # Shopify's DiscountErrorCode for a code that exists
BY_CODE = """
query ChoiceDiscountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id }
}
"""


def discount_input(*, code: str, percent: int, customer_id: int | None, title: str, starts_at: datetime) -> dict:
    """Percent off everything, once: usage limit 1, once per customer, only this customer if known."""
    context = ({"customers": {"add": [f"gid://shopify/Customer/{customer_id}"]}} if customer_id
               else {"all": "ALL"})
    return {"title": title[:255], "code": code, "startsAt": iso(starts_at), "usageLimit": 1,
            "appliesOncePerCustomer": True, "context": context,
            "customerGets": {"value": {"percentage": percent / 100}, "items": {"all": True}}}


def create(shop: Shop, **fields) -> str:
    """Create the code; returns the discount's gid. Sending the same code again never makes a second."""
    data = graphql(shop, CREATE, {"discount": discount_input(**fields)})
    outcome = data["discountCodeBasicCreate"]
    errors = outcome.get("userErrors") or []
    if not errors:
        return outcome["codeDiscountNode"]["id"]
    if any(e.get("code") in ALREADY_THERE for e in errors):
        existing = graphql(shop, BY_CODE, {"code": fields["code"]}).get("codeDiscountNodeByCode")
        if existing:
            return existing["id"]
        # Refused as existing, yet not found: a lookup just after the write may not see it yet. Giving up
        # would tell the merchant to send a code by hand beside the one that exists.
        raise RetryLater(f"discount code {fields['code']} refused as existing but not found yet", timedelta(minutes=1))
    raise EffectRejected("; ".join(e.get("message", "") for e in errors))
