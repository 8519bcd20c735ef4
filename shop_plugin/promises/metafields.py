"""Write an order's promise to app-owned order metafields, for Liquid and extensions to read."""
from __future__ import annotations

import json

from shop_plugin.effects.service import EffectRejected
from shop_plugin.extensions import session
from shop_plugin.promises import service
from shop_plugin.shopify.admin import graphql
from shop_plugin.shops.models import Shop

NAMESPACE = "$app:shippromise"
SET_METAFIELDS = """
mutation SetPromise($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id key }
    userErrors { field message code }
  }
}
"""


def metafields_for(promise, owner_id: str) -> list[dict]:
    window = service.promise_json(promise)
    return [
        {"ownerId": owner_id, "namespace": NAMESPACE, "key": "promise", "type": "json",
         "value": json.dumps({k: window[k] for k in ("ship_by", "ship_from", "deliver_from", "deliver_to",
                                                     "adjustments", "locale")})},
        {"ownerId": owner_id, "namespace": NAMESPACE, "key": "promise_text", "type": "multi_line_text_field",
         "value": promise.text},
    ]


def write(shop: Shop, payload: dict) -> dict:
    """Effect executor: metafieldsSet is an upsert by (owner, namespace, key), so a retry is harmless."""
    promise = service.get(session(), shop=shop, order_shopify_id=payload["order_id"])
    if promise is None:
        raise EffectRejected(f"no promise stored for order {payload['order_id']}")
    owner = payload.get("order_gid") or f"gid://shopify/Order/{payload['order_id']}"
    data = graphql(shop, SET_METAFIELDS, {"metafields": metafields_for(promise, owner)})
    outcome = data["metafieldsSet"]
    if outcome["userErrors"]:
        raise EffectRejected(f"metafieldsSet refused: {outcome['userErrors']}")
    return {"metafields": [m["id"] for m in outcome["metafields"]]}
