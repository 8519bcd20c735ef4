"""REST webhook payloads → column values. Unknown enum values pass through as text."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shop_plugin.db import parse_time


def money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def tags(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(t).strip() for t in value if str(t).strip()]
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def _name(person: dict | None) -> str | None:
    if not person:
        return None
    full = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
    return full or None


def order_values(p: dict) -> dict:
    customer = p.get("customer") or {}
    address = p.get("shipping_address")
    return {
        "shopify_id": int(p["id"]),
        "admin_graphql_api_id": p.get("admin_graphql_api_id"),
        "name": p.get("name"),
        "confirmation_number": p.get("confirmation_number"),
        "email": p.get("email") or p.get("contact_email") or customer.get("email"),
        "phone": p.get("phone") or customer.get("phone"),
        "customer_id": customer.get("id"),
        "customer_name": _name(customer) or _name(address),
        "customer_locale": p.get("customer_locale"),
        "shipping_address": address,
        "destination_country": (address or {}).get("country_code"),
        "financial_status": p.get("financial_status"),
        "fulfillment_status": p.get("fulfillment_status"),
        "tags": tags(p.get("tags")),
        "currency": p.get("currency"),
        "total_price": money(p.get("total_price")),
        "subtotal_price": money(p.get("subtotal_price")),
        "shipping_lines": [
            {k: line.get(k) for k in ("code", "title", "price", "source")} for line in p.get("shipping_lines") or []
        ],
        "order_status_url": p.get("order_status_url"),
        "created_at": parse_time(p.get("created_at")),
        "updated_at": parse_time(p.get("updated_at")),
        "processed_at": parse_time(p.get("processed_at")),
        "cancelled_at": parse_time(p.get("cancelled_at")),
        "closed_at": parse_time(p.get("closed_at")),
    }


def line_item_values(item: dict) -> dict:
    return {
        "shopify_id": int(item["id"]),
        "product_id": item.get("product_id"),
        "variant_id": item.get("variant_id"),
        "sku": item.get("sku") or None,
        "vendor": item.get("vendor"),
        "title": item.get("title"),
        "quantity": int(item.get("quantity") or 0),
        "price": money(item.get("price")),
    }


def fulfillment_values(p: dict, order_id: int) -> dict:
    number = p.get("tracking_number")
    numbers = p.get("tracking_numbers") or ([number] if number else [])
    url = p.get("tracking_url")
    return {
        "shopify_id": int(p["id"]),
        "order_shopify_id": int(p.get("order_id") or order_id),
        "status": p.get("status"),
        "shipment_status": p.get("shipment_status"),
        "tracking_company": p.get("tracking_company"),
        "tracking_number": number or (numbers[0] if numbers else None),
        "tracking_numbers": numbers,
        "tracking_urls": p.get("tracking_urls") or ([url] if url else []),
        "created_at": parse_time(p.get("created_at")),
        "updated_at": parse_time(p.get("updated_at")) or parse_time(p.get("created_at")),
    }


def fulfillment_event_values(p: dict) -> dict:
    return {
        "shopify_id": int(p["id"]),
        "fulfillment_shopify_id": int(p["fulfillment_id"]),
        "order_shopify_id": p.get("order_id"),
        "status": p.get("status"),
        "message": p.get("message"),
        "happened_at": parse_time(p.get("happened_at")),
        "estimated_delivery_at": parse_time(p.get("estimated_delivery_at")),
        "city": p.get("city"),
        "province": p.get("province"),
        "country": p.get("country"),
        "zip": p.get("zip"),
        "created_at": parse_time(p.get("created_at")),
        "updated_at": parse_time(p.get("updated_at")) or parse_time(p.get("created_at")),
    }


def refund_values(p: dict) -> dict:
    done = [t for t in p.get("transactions") or [] if t.get("kind") == "refund" and t.get("status") == "success"]
    return {
        "shopify_id": int(p["id"]),
        "order_shopify_id": int(p["order_id"]),
        "amount": sum((money(t.get("amount")) or Decimal(0) for t in done), Decimal(0)),
        "currency": next((t.get("currency") for t in done if t.get("currency")), None),
        "note": p.get("note"),
        "line_items": [
            {"line_item_id": li.get("line_item_id"), "quantity": li.get("quantity"), "subtotal": li.get("subtotal")}
            for li in p.get("refund_line_items") or []
        ],
        "created_at": parse_time(p.get("created_at")),
    }


def dispute_values(p: dict, seen_at: datetime) -> dict:
    return {
        "shopify_id": int(p["id"]),
        "order_shopify_id": p.get("order_id"),
        "type": p.get("type"),
        "amount": money(p.get("amount")),
        "currency": p.get("currency"),
        "reason": p.get("reason"),
        "status": p.get("status"),
        "evidence_due_by": parse_time(p.get("evidence_due_by")),
        "evidence_sent_on": parse_time(p.get("evidence_sent_on")),
        "finalized_on": parse_time(p.get("finalized_on")),
        "initiated_at": parse_time(p.get("initiated_at")),
        "updated_at": seen_at,
    }
