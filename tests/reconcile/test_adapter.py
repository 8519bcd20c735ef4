"""An Admin GraphQL order becomes the REST-shaped body the order handlers read."""
from __future__ import annotations

from decimal import Decimal

from shop_plugin.orders import payloads
from shop_plugin.reconcile.adapter import order_payload
from tests.reconcile.support import PAGE

FIRST, CANCELLED = [edge["node"] for edge in PAGE["data"]["orders"]["edges"]]


def test_ids_become_numbers_and_statuses_rest_values():
    order = order_payload(FIRST)
    assert order["id"] == 5861236326455 and order["admin_graphql_api_id"] == "gid://shopify/Order/5861236326455"
    assert (order["financial_status"], order["fulfillment_status"]) == ("partially_refunded", "partial")
    assert order["tags"] == "vip, wholesale" and order["customer_locale"] == "ko-KR"
    assert order["customer"] == {"id": 7401234567890, "first_name": "Mina", "last_name": "Park"}


def test_the_order_values_the_handlers_store_come_out_right():
    values = payloads.order_values(order_payload(FIRST))
    assert values["name"] == "#1042" and values["email"] == "mina.park@example.com"
    assert values["confirmation_number"] == "K3QZ7PLMA"
    assert values["destination_country"] == "KR" and values["currency"] == "USD"
    assert values["total_price"] == Decimal("129.5") and values["subtotal_price"] == Decimal("119.5")
    assert values["tags"] == ["vip", "wholesale"] and values["customer_name"] == "Mina Park"
    assert values["updated_at"].isoformat() == "2026-11-20T08:31:44+00:00"
    assert values["order_status_url"].startswith("https://alpha-store.myshopify.com/")
    assert values["shipping_lines"] == [{"code": "Standard", "title": "Standard international", "price": "10.0",
                                         "source": "shopify"}]


def test_line_items_keep_vendor_sku_quantity_price_and_product_ids():
    items = [payloads.line_item_values(i) for i in order_payload(FIRST)["line_items"]]
    assert [(i["shopify_id"], i["vendor"], i["sku"], i["quantity"]) for i in items] == [
        (14789012345677, "Seoul Ceramics", "MJM-CEL", 2), (14789012345678, "Hanji Paper Co", None, 1)]
    assert items[0]["price"] == Decimal("24.0")
    assert (items[0]["product_id"], items[0]["variant_id"]) == (8801234567890, 46012345678901)


def test_fulfilments_carry_tracking_and_the_carrier_state():
    [fulfillment] = order_payload(FIRST)["fulfillments"]
    values = payloads.fulfillment_values(fulfillment, None)
    assert (values["shopify_id"], values["order_shopify_id"]) == (5290123456789, 5861236326455)
    assert (values["status"], values["shipment_status"]) == ("success", "in_transit")
    assert values["tracking_company"] == "DHL Express" and values["tracking_number"] == "4821937560"
    assert values["tracking_urls"][0].startswith("https://www.dhl.com/")


def test_refunds_carry_their_amount():
    [refund] = order_payload(FIRST)["refunds"]
    values = payloads.refund_values(refund)
    assert (values["shopify_id"], values["order_shopify_id"]) == (947123456789, 5861236326455)
    assert (values["amount"], values["currency"], values["note"]) == (Decimal("24.0"), "USD", "Chipped mug")


def test_a_cancelled_order_without_customer_or_fulfilments():
    order = order_payload(CANCELLED)
    values = payloads.order_values(order)
    assert values["cancelled_at"] is not None and values["financial_status"] == "voided"
    assert values["fulfillment_status"] is None and values["destination_country"] == "ID"
    assert values["customer_id"] is None and values["customer_name"] == "Budi Santoso"
    assert order["fulfillments"] == [] and order["refunds"] == [] and order["tags"] == ""
    assert payloads.line_item_values(order["line_items"][0])["product_id"] is None


def test_unknown_enum_values_pass_through_lowered():
    order = order_payload(dict(FIRST, displayFinancialStatus="BEAMED_UP", displayFulfillmentStatus="TELEPORTED"))
    assert (order["financial_status"], order["fulfillment_status"]) == ("beamed_up", "teleported")
