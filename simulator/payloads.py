"""REST resources as a real store's webhooks carry them (shapes from shared/fixtures/shopify/)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from simulator.model import Fulfillment, Ids, Order, ShopInfo, fmt_money

# name, city, province, zip: enough for a plausible address in the countries the app ships to.
COUNTRIES: dict[str, tuple[str, str, str, str]] = {
    "US": ("United States", "Los Angeles", "California", "90012"),
    "KR": ("South Korea", "Seoul", "Seoul", "04524"),
    "ID": ("Indonesia", "Jakarta", "DKI Jakarta", "10110"),
    "CN": ("China", "Shenzhen", "Guangdong", "518000"),
    "JP": ("Japan", "Tokyo", "Tokyo", "100-0001"),
    "SG": ("Singapore", "Singapore", "", "018956"),
    "GB": ("United Kingdom", "London", "England", "SW1A 1AA"),
    "DE": ("Germany", "Berlin", "Berlin", "10115"),
    "AU": ("Australia", "Sydney", "New South Wales", "2000"),
    "CA": ("Canada", "Toronto", "Ontario", "M5H 2N2"),
}
TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "DHL Express": "https://www.dhl.com/en/express/tracking.html?AWB={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
}


def iso(stamp: datetime | None) -> str | None:
    return stamp.isoformat() if stamp else None


def gid(kind: str, id_: int) -> str:
    return f"gid://shopify/{kind}/{id_}"


def money_set(amount: str, currency: str) -> dict:
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def address(order: Order) -> dict:
    country, city, province, zip_ = COUNTRIES.get(order.country_code, (order.country_code, "", "", ""))
    return {
        "first_name": order.first_name, "last_name": order.last_name,
        "name": f"{order.first_name} {order.last_name}".strip(),
        "address1": "1 Simulator Street", "address2": "", "city": city, "province": province,
        "province_code": None, "zip": zip_, "country": country, "country_code": order.country_code,
        "company": None, "phone": None, "latitude": None, "longitude": None,
    }


def tracking_urls(company: str, number: str) -> list[str]:
    """Shopify builds a URL only for carriers it knows; for the others the list stays empty."""
    template = TRACKING_URLS.get(company)
    return [template.format(number)] if template and number else []


def customer(order: Order, shop: ShopInfo) -> dict:
    return {
        "id": order.customer_id, "email": order.email, "first_name": order.first_name,
        "last_name": order.last_name, "created_at": iso(order.created_at),
        "updated_at": iso(order.created_at), "state": "disabled", "note": None,
        "verified_email": True, "multipass_identifier": None, "tax_exempt": False, "phone": None,
        "tags": "", "currency": shop.currency, "admin_graphql_api_id": gid("Customer", order.customer_id),
        "default_address": {**address(order), "id": order.customer_id, "customer_id": order.customer_id,
                            "default": True},
    }


def line_item(item: dict, shop: ShopInfo) -> dict:
    return {
        **item, "admin_graphql_api_id": gid("LineItem", item["id"]), "name": item["title"],
        "current_quantity": item["quantity"], "fulfillment_service": "manual", "gift_card": False,
        "grams": 0, "price_set": money_set(item["price"], shop.currency), "product_exists": True,
        "properties": [], "requires_shipping": True, "taxable": True, "total_discount": "0.00",
        "total_discount_set": money_set("0.00", shop.currency), "attributed_staffs": [],
        "variant_inventory_management": "shopify", "variant_title": None,
        "tax_lines": [], "duties": [], "discount_allocations": [],
    }


def fulfillment(ful: Fulfillment, order: Order, shop: ShopInfo) -> dict:
    urls = tracking_urls(ful.tracking_company, ful.tracking_number)
    return {
        "id": ful.id, "admin_graphql_api_id": gid("Fulfillment", ful.id), "order_id": ful.order_id,
        "name": ful.name, "status": ful.status, "shipment_status": ful.shipment_status,
        "service": "manual", "location_id": None, "origin_address": {},
        "created_at": iso(ful.created_at), "updated_at": iso(ful.updated_at),
        "tracking_company": ful.tracking_company or None, "tracking_number": ful.tracking_number or None,
        "tracking_numbers": [ful.tracking_number] if ful.tracking_number else [],
        "tracking_url": urls[0] if urls else None, "tracking_urls": urls,
        "receipt": {}, "destination": address(order),
        "line_items": [{**line_item(li, shop), "fulfillment_status": "fulfilled"} for li in order.line_items],
    }


def order(order: Order, shop: ShopInfo) -> dict:
    cur = shop.currency
    subtotal, total = fmt_money(order.subtotal), fmt_money(order.total)
    current_total = fmt_money(order.total - order.refunded)
    shipping = fmt_money(order.shipping_price)
    outstanding = total if order.financial_status in ("pending", "authorized") else "0.00"
    return {
        "id": order.id, "admin_graphql_api_id": gid("Order", order.id), "app_id": None,
        "browser_ip": None, "buyer_accepts_marketing": False, "cancel_reason": order.cancel_reason,
        "cancelled_at": iso(order.cancelled_at), "cart_token": None, "checkout_token": None,
        "closed_at": None, "company": None, "confirmation_number": order.confirmation_number,
        "confirmed": True, "contact_email": order.email, "created_at": iso(order.created_at),
        "currency": cur, "current_subtotal_price": subtotal,
        "current_subtotal_price_set": money_set(subtotal, cur), "current_total_discounts": "0.00",
        "current_total_price": current_total, "current_total_price_set": money_set(current_total, cur),
        "current_total_tax": "0.00", "customer_locale": order.locale, "discount_codes": [],
        "email": order.email, "estimated_taxes": False, "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status, "landing_site": None,
        "location_id": None, "name": f"#{order.number}", "note": None, "note_attributes": [],
        "number": order.number - 1000, "order_number": order.number,
        "order_status_url": f"https://{shop.domain}/{shop.id}/orders/{order.token}/authenticate?key={order.token[::-1]}",
        "payment_gateway_names": ["manual"], "phone": None, "presentment_currency": cur,
        "processed_at": iso(order.created_at), "source_name": "web", "subtotal_price": subtotal,
        "subtotal_price_set": money_set(subtotal, cur), "tags": "", "tax_exempt": False,
        "tax_lines": [], "taxes_included": False, "test": False, "token": order.token,
        "total_discounts": "0.00", "total_line_items_price": subtotal, "total_outstanding": outstanding,
        "total_price": total, "total_price_set": money_set(total, cur),
        "total_shipping_price_set": money_set(shipping, cur), "total_tax": "0.00",
        "total_tip_received": "0.00", "total_weight": 0, "updated_at": iso(order.updated_at),
        "user_id": None, "billing_address": address(order), "customer": customer(order, shop),
        "discount_applications": [],
        "fulfillments": [fulfillment(f, order, shop) for f in order.fulfillments],
        "line_items": [line_item(li, shop) for li in order.line_items],
        "payment_terms": None, "refunds": list(order.refunds), "shipping_address": address(order),
        "shipping_lines": [{
            "id": order.shipping_line_id, "carrier_identifier": None, "code": "Standard",
            "discounted_price": shipping, "price": shipping, "price_set": money_set(shipping, cur),
            "source": "shopify", "title": "Standard International", "phone": None,
            "requested_fulfillment_service_id": None, "is_removed": False, "tax_lines": [],
            "discount_allocations": [],
        }],
        "returns": [],
        **_rarely_used(order, shop),
    }


def _rarely_used(order: Order, shop: ShopInfo) -> dict:
    """Fields of the 2025 sample the app has no use for, present so the shape is the real one."""
    zero, cur = money_set("0.00", shop.currency), shop.currency
    return {
        "checkout_id": None, "device_id": None, "duties_included": False, "landing_site_ref": None,
        "merchant_business_entity_id": None, "merchant_of_record_app_id": None, "po_number": None,
        "reference": None, "referring_site": None, "source_identifier": None, "source_url": None,
        "client_details": {"accept_language": None, "browser_height": None, "browser_ip": None,
                           "browser_width": None, "session_hash": None, "user_agent": None},
        "current_shipping_price_set": money_set(fmt_money(order.shipping_price), cur),
        "current_total_discounts_set": zero, "current_total_tax_set": zero, "total_discounts_set": zero,
        "total_tax_set": zero, "total_line_items_price_set": money_set(fmt_money(order.subtotal), cur),
        "total_cash_rounding_payment_adjustment_set": zero, "total_cash_rounding_refund_adjustment_set": zero,
        "current_total_additional_fees_set": None, "current_total_duties_set": None,
        "original_total_additional_fees_set": None, "original_total_duties_set": None,
    }


def refund(order: Order, shop: ShopInfo, ids: Ids, amount: Decimal, note: str,
           line_items: Sequence[tuple[int, int]]) -> dict:
    stamp, refund_id = iso(order.updated_at), ids.next()
    by_id = {li["id"]: li for li in order.line_items}
    return {
        "id": refund_id, "admin_graphql_api_id": gid("Refund", refund_id), "order_id": order.id,
        "created_at": stamp, "processed_at": stamp, "note": note or None, "restock": False,
        "user_id": None, "order_adjustments": [], "duties": [],
        "refund_line_items": [{
            "id": ids.next(), "line_item_id": li_id, "quantity": qty, "restock_type": "no_restock",
            "location_id": None, "subtotal": fmt_money(Decimal(by_id[li_id]["price"]) * qty),
            "total_tax": "0.00", "line_item": line_item(by_id[li_id], shop),
        } for li_id, qty in line_items],
        "transactions": [{
            "id": ids.next(), "order_id": order.id, "kind": "refund", "gateway": "manual",
            "status": "success", "message": "Refunded", "created_at": stamp, "processed_at": stamp,
            "test": False, "authorization": None, "parent_id": order.payment_id,
            "amount": fmt_money(amount), "currency": shop.currency, "source_name": "web",
            "device_id": None, "error_code": None, "location_id": None, "user_id": None, "receipt": {},
        }],
    }
