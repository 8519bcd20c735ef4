"""An Admin GraphQL order node → the REST-shaped order body an orders/* webhook carries.

Only the fields the order handlers read are mapped (see orders/payloads.py and promises).
GraphQL enums are upper case where REST uses lower case; unknown values pass through lowered.
"""
from __future__ import annotations

from shop_plugin.shopify.client import legacy_id

# displayFulfillmentStatus → REST fulfillment_status (null means nothing shipped yet)
FULFILLMENT_STATUS = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial", "RESTOCKED": "restocked",
                      "UNFULFILLED": None, "OPEN": None, "PENDING_FULFILLMENT": None, "SCHEDULED": None,
                      "ON_HOLD": None, "IN_PROGRESS": None, "REQUEST_DECLINED": None}
# displayStatus values that are carrier states: REST calls these a fulfilment's shipment_status
SHIPMENT_STATUSES = {"ATTEMPTED_DELIVERY", "CARRIER_PICKED_UP", "CONFIRMED", "DELAYED", "DELIVERED", "FAILURE",
                     "IN_TRANSIT", "LABEL_PRINTED", "LABEL_PURCHASED", "OUT_FOR_DELIVERY", "PICKED_UP",
                     "READY_FOR_PICKUP"}
ADDRESS_FIELDS = {"firstName": "first_name", "lastName": "last_name", "name": "name", "company": "company",
                  "address1": "address1", "address2": "address2", "city": "city", "province": "province",
                  "provinceCode": "province_code", "country": "country", "countryCodeV2": "country_code",
                  "zip": "zip", "phone": "phone"}


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _amount(money_bag: dict | None) -> str | None:
    return ((money_bag or {}).get("shopMoney") or {}).get("amount")


def _nodes(connection: dict | list | None) -> list[dict]:
    """Connections come as {nodes: [...]}; some order fields are plain lists."""
    if isinstance(connection, list):
        return connection
    return list((connection or {}).get("nodes") or [])


def line_item(node: dict) -> dict:
    return {
        "id": legacy_id(node["id"]), "admin_graphql_api_id": node["id"],
        "name": node.get("name"), "title": node.get("title"), "sku": node.get("sku"),
        "vendor": node.get("vendor"), "quantity": node.get("quantity"),
        "price": _amount(node.get("originalUnitPriceSet")),
        "product_id": legacy_id((node.get("product") or {}).get("id")),
        "variant_id": legacy_id((node.get("variant") or {}).get("id")),
    }


def fulfillment(node: dict, order_id: int) -> dict:
    tracking = node.get("trackingInfo") or []
    numbers = [t["number"] for t in tracking if t.get("number")]
    urls = [t["url"] for t in tracking if t.get("url")]
    display = node.get("displayStatus")
    return {
        "id": legacy_id(node["id"]), "admin_graphql_api_id": node["id"], "order_id": order_id,
        "status": _lower(node.get("status")),
        "shipment_status": display.lower() if display in SHIPMENT_STATUSES else None,
        "tracking_company": next((t["company"] for t in tracking if t.get("company")), None),
        "tracking_number": numbers[0] if numbers else None, "tracking_numbers": numbers,
        "tracking_url": urls[0] if urls else None, "tracking_urls": urls,
        "created_at": node.get("createdAt"), "updated_at": node.get("updatedAt"),
    }


def refund(node: dict, order_id: int) -> dict:
    """totalRefundedSet is the sum of the refund's successful refund transactions: one stands for them."""
    money = (node.get("totalRefundedSet") or {}).get("shopMoney") or {}
    return {
        "id": legacy_id(node["id"]), "admin_graphql_api_id": node["id"], "order_id": order_id,
        "created_at": node.get("createdAt"), "note": node.get("note"), "refund_line_items": [],
        "transactions": [{"kind": "refund", "status": "success", "amount": money.get("amount"),
                          "currency": money.get("currencyCode")}] if money.get("amount") else [],
    }


def _customer(node: dict | None) -> dict | None:
    if not node:
        return None
    return {"id": legacy_id(node.get("id")), "first_name": node.get("firstName"), "last_name": node.get("lastName")}


def _address(node: dict | None) -> dict | None:
    if not node:
        return None
    return {rest: node.get(gql) for gql, rest in ADDRESS_FIELDS.items()}


def _fulfillment_status(value: str | None) -> str | None:
    return FULFILLMENT_STATUS[value] if value in FULFILLMENT_STATUS else _lower(value)


def order_payload(node: dict, line_items: list[dict] | None = None) -> dict:
    """The webhook-shaped order; `line_items` replaces the node's when they were paged separately."""
    order_id = legacy_id(node["id"])
    items = line_items if line_items is not None else _nodes(node.get("lineItems"))
    return {
        "id": order_id, "admin_graphql_api_id": node["id"], "name": node.get("name"),
        "confirmation_number": node.get("confirmationNumber"),
        "email": node.get("email"), "phone": node.get("phone"),
        "created_at": node.get("createdAt"), "updated_at": node.get("updatedAt"),
        "processed_at": node.get("processedAt"), "cancelled_at": node.get("cancelledAt"),
        "closed_at": node.get("closedAt"),
        "financial_status": _lower(node.get("displayFinancialStatus")),
        "fulfillment_status": _fulfillment_status(node.get("displayFulfillmentStatus")),
        "currency": node.get("currencyCode") or ((node.get("totalPriceSet") or {}).get("shopMoney") or {}).get(
            "currencyCode"),
        "total_price": _amount(node.get("totalPriceSet")), "subtotal_price": _amount(node.get("subtotalPriceSet")),
        "customer_locale": node.get("customerLocale"),
        "tags": ", ".join(node.get("tags") or []),
        "order_status_url": node.get("statusPageUrl"),
        "customer": _customer(node.get("customer")),
        "shipping_address": _address(node.get("shippingAddress")),
        "shipping_lines": [{"code": s.get("code"), "title": s.get("title"), "source": s.get("source"),
                            "price": _amount(s.get("originalPriceSet"))} for s in _nodes(node.get("shippingLines"))],
        "line_items": [line_item(i) for i in items],
        "fulfillments": [fulfillment(f, order_id) for f in _nodes(node.get("fulfillments"))],
        "refunds": [refund(r, order_id) for r in _nodes(node.get("refunds"))],
    }
