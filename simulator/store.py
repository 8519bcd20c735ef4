"""The simulated store's state. Each change returns the (topic, body) webhooks a real store sends for it."""
from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from simulator import payloads
from simulator.model import Fulfillment, Ids, Order, ShopInfo, SimulatorError, fmt_money, later_than

Events = list[tuple[str, dict]]
PRODUCTS = (
    ("Wireless Earbuds Pro", "Shenzhen Gadget Co", "SGC-EARBUDS-01", "39.90", "electronics, audio"),
    ("Hand-drawn Batik Scarf", "Jakarta Batik House", "JBH-SCARF-BLUE", "55.00", "apparel, handmade"),
    ("Snail Mucin Serum 100ml", "Seoul Beauty Lab", "SBL-SERUM-100", "24.50", "beauty, skincare"),
)
SHIPPING_PRICE = Decimal("12.00")


class Store:
    """One shop's products and orders. Guarded by one lock: the page and the API run on many threads."""

    def __init__(self, shop: ShopInfo, first_order_number: int = 1001) -> None:
        self.shop = shop
        self.ids = Ids()
        self.lock = threading.RLock()
        self._next_number = first_order_number
        self.products = [
            {"id": self.ids.next(), "variant_id": self.ids.next(), "title": title, "vendor": vendor,
             "sku": sku, "price": price, "tags": tags}
            for title, vendor, sku, price, tags in PRODUCTS
        ]
        self.orders: dict[int, Order] = {}

    def order(self, order_id: int) -> Order:
        found = self.orders.get(order_id)
        if found is None:
            raise SimulatorError(f"No order {order_id}")
        return found

    def owner_exists(self, gid: str) -> bool:
        """Metafields may hang on the shop, a product or an order."""
        kind, _, raw = str(gid).removeprefix("gid://shopify/").partition("/")
        ids = {"Shop": {self.shop.id}, "Product": {p["id"] for p in self.products},
               "Order": set(self.orders)}.get(kind, set())
        return raw.isdigit() and int(raw) in ids

    def _fulfillment(self, fulfillment_id: int) -> tuple[Order, Fulfillment]:
        for order in self.orders.values():
            for ful in order.fulfillments:
                if ful.id == fulfillment_id:
                    return order, ful
        raise SimulatorError(f"No fulfillment {fulfillment_id}")

    def _body(self, order: Order) -> dict:
        return payloads.order(order, self.shop)

    def create_order(self, product_id: int, quantity: int, country_code: str, locale: str,
                     email: str, name: str) -> tuple[Order, Events]:
        product = next((p for p in self.products if p["id"] == product_id), None)
        if product is None:
            raise SimulatorError(f"No product {product_id}")
        if quantity < 1:
            raise SimulatorError("The quantity must be at least 1")
        first, _, last = name.strip().partition(" ")
        with self.lock:
            stamp = later_than(None)
            item = {
                "id": self.ids.next(), "product_id": product["id"], "variant_id": product["variant_id"],
                "sku": product["sku"], "title": product["title"], "vendor": product["vendor"],
                "quantity": quantity, "price": product["price"], "fulfillable_quantity": quantity,
                "fulfillment_status": None,
            }
            order = Order(
                id=self.ids.next(), number=self._next_number, token=secrets.token_hex(16),
                email=email.strip(), first_name=first, last_name=last, customer_id=self.ids.next(),
                locale=locale, country_code=country_code.upper(), line_items=[item],
                shipping_line_id=self.ids.next(), shipping_price=SHIPPING_PRICE,
                created_at=stamp, updated_at=stamp,
            )
            self._next_number += 1
            self.orders[order.id] = order
            return order, [("orders/create", self._body(order))]

    def mark_paid(self, order_id: int) -> Events:
        with self.lock:
            order = self.order(order_id)
            if order.cancelled_at or order.financial_status != "pending":
                raise SimulatorError(f"Order #{order.number} is {order.financial_status}, not pending")
            order.financial_status, order.payment_id = "paid", self.ids.next()
            order.touch()
            body = self._body(order)
            return [("orders/paid", body), ("orders/updated", body)]

    def cancel(self, order_id: int) -> Events:
        with self.lock:
            order = self.order(order_id)
            if order.cancelled_at or order.fulfillment_status == "fulfilled":
                raise SimulatorError(f"Order #{order.number} can no longer be cancelled")
            order.touch()
            order.cancelled_at, order.cancel_reason = order.updated_at, "customer"
            if order.financial_status == "pending":
                order.financial_status = "voided"
            body = self._body(order)
            return [("orders/cancelled", body), ("orders/updated", body)]

    def fulfil(self, order_id: int, company: str, number: str) -> Events:
        with self.lock:
            order = self.order(order_id)
            if order.cancelled_at or order.fulfillment_status == "fulfilled":
                raise SimulatorError(f"Order #{order.number} cannot be fulfilled")
            order.touch()
            ful = Fulfillment(
                id=self.ids.next(), order_id=order.id, name=f"#{order.number}.{len(order.fulfillments) + 1}",
                tracking_company=company.strip(), tracking_number=number.strip(),
                created_at=order.updated_at, updated_at=order.updated_at,
            )
            order.fulfillments.append(ful)
            order.fulfillment_status = "fulfilled"
            for item in order.line_items:
                item["fulfillable_quantity"], item["fulfillment_status"] = 0, "fulfilled"
            body = self._body(order)
            return [("fulfillments/create", payloads.fulfillment(ful, order, self.shop)),
                    ("orders/fulfilled", body), ("orders/updated", body)]

    def add_event(self, fulfillment_id: int, status: str, message: str = "", city: str = "",
                  country: str = "", estimated_delivery_at: datetime | None = None) -> Events:
        with self.lock:
            order, ful = self._fulfillment(fulfillment_id)
            order.touch()
            stamp = ful.updated_at = order.updated_at
            event_id = self.ids.next()
            event = {
                "id": event_id, "fulfillment_id": ful.id, "status": status,
                "message": message or None, "happened_at": payloads.iso(stamp), "city": city or None,
                "province": None, "country": country or None, "zip": None, "address1": None,
                "latitude": None, "longitude": None, "shop_id": self.shop.id,
                "created_at": payloads.iso(stamp), "updated_at": payloads.iso(stamp),
                "estimated_delivery_at": payloads.iso(estimated_delivery_at), "order_id": order.id,
                "admin_graphql_api_id": payloads.gid("FulfillmentEvent", event_id),
            }
            ful.events.append(event)
            ful.shipment_status = status
            return [("fulfillment_events/create", dict(event)),
                    ("fulfillments/update", payloads.fulfillment(ful, order, self.shop))]

    def refund(self, order_id: int, amount: Decimal, note: str = "",
               line_items: Sequence[tuple[int, int]] = ()) -> tuple[dict, Events]:
        with self.lock:
            order = self.order(order_id)
            if order.financial_status not in ("paid", "partially_refunded"):
                raise SimulatorError(f"Order #{order.number} is {order.financial_status}: nothing to refund")
            known = {li["id"]: li["quantity"] for li in order.line_items}
            if any(li_id not in known or not 0 < qty <= known[li_id] for li_id, qty in line_items):
                raise SimulatorError("Refund line items must name this order's items and quantities")
            refundable = order.total - order.refunded
            if amount > refundable:
                raise SimulatorError(f"Refund {fmt_money(amount)} is more than the {fmt_money(refundable)} left")
            order.touch()
            refund = payloads.refund(order, self.shop, self.ids, amount, note, line_items)
            order.refunds.append(refund)
            order.financial_status = "refunded" if order.refunded >= order.total else "partially_refunded"
            return refund, [("refunds/create", refund), ("orders/updated", self._body(order))]

    def open_dispute(self, order_id: int, kind: str, reason: str) -> Events:
        with self.lock:
            order = self.order(order_id)
            order.touch()
            dispute = {
                "id": self.ids.next(), "order_id": order.id, "type": kind,
                "amount": fmt_money(order.total), "currency": self.shop.currency, "reason": reason,
                "network_reason_code": None, "status": "needs_response",
                "evidence_due_by": payloads.iso(order.updated_at + timedelta(days=7)),
                "evidence_sent_on": None, "finalized_on": None, "initiated_at": payloads.iso(order.updated_at),
            }
            order.disputes.append(dispute)
            return [("disputes/create", dict(dispute))]

    def update_dispute(self, dispute_id: int, status: str) -> Events:
        with self.lock:
            order, dispute = next(
                ((o, d) for o in self.orders.values() for d in o.disputes if d["id"] == dispute_id),
                (None, None),
            )
            if dispute is None:
                raise SimulatorError(f"No dispute {dispute_id}")
            order.touch()
            dispute["status"] = status
            if status == "under_review" and not dispute["evidence_sent_on"]:
                dispute["evidence_sent_on"] = payloads.iso(order.updated_at)
            if status in ("accepted", "won", "lost"):
                dispute["finalized_on"] = payloads.iso(order.updated_at)
            return [("disputes/update", dict(dispute))]
