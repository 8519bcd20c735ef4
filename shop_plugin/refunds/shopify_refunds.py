"""refundCreate through Admin GraphQL, with Shopify's idempotency directive (mandatory from 2026-04)."""
from __future__ import annotations

import json
from decimal import Decimal

from shop_plugin.effects.service import EffectRejected
from shop_plugin.orders.models import Order
from shop_plugin.orders.serialize import money_str
from shop_plugin.shopify.admin import graphql
from shop_plugin.shops.models import Shop

TRANSACTIONS = """
query OrderTransactions($id: ID!) {
  order(id: $id) { transactions(first: 20) { id gateway kind status } }
}
"""
REFUND = """
mutation Refund($input: RefundInput!) {
  refundCreate(input: $input) @idempotent(key: %s) {
    refund { id }
    userErrors { field message }
  }
}
"""


def _parent(shop: Shop, order_gid: str) -> dict | None:
    """The captured payment to refund against (a sale or capture that succeeded)."""
    data = graphql(shop, TRANSACTIONS, {"id": order_gid})
    for t in ((data.get("order") or {}).get("transactions") or []):
        if t.get("kind") in ("SALE", "CAPTURE", "sale", "capture") and t.get("status") in ("SUCCESS", "success"):
            return t
    return None


def create(shop: Shop, *, order: Order, amount: Decimal, key: str, note: str) -> str:
    """Refund `amount` of the order; returns the refund's gid. The same key never refunds twice."""
    order_gid = order.admin_graphql_api_id or f"gid://shopify/Order/{order.shopify_id}"
    # The currency's own decimals, so a retry sends the very same variables ("12.00", never "12.0000").
    transaction = {"orderId": order_gid, "kind": "REFUND", "amount": money_str(amount, order.currency)}
    parent = _parent(shop, order_gid)
    if parent is not None:
        transaction.update(parentId=parent["id"], gateway=parent.get("gateway"))
    data = graphql(shop, REFUND % json.dumps(key), {"input": {
        "orderId": order_gid, "note": note, "notify": True, "transactions": [transaction]}})
    outcome = data["refundCreate"]
    if outcome["userErrors"]:
        raise EffectRejected("; ".join(e.get("message", "") for e in outcome["userErrors"]))
    return outcome["refund"]["id"]
