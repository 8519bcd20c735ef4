"""Signed orders/create deliveries, as Shopify sends them, built cheaply enough for a load generator.

The body is the public REST order fixture (tests/fixtures/orders_create.rest_fixture.json) with
fresh dates, a GraphQL id and a note padded so the compact JSON is about 5 KB. The order id and
number are fixed-width placeholders in a byte template, so making a new order is two byte
replacements instead of a json.dumps, and every body has exactly the same length (which lets the
database check spot a truncated body).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "orders_create.rest_fixture.json"
TARGET_BYTES = 5 * 1024
API_VERSION = "2026-10"
SHOPS = tuple(f"bench-shop-{n:02d}.myshopify.com" for n in range(50))
REPEAT_SHARE = 0.10
ID_MARK, NUMBER_MARK = b"9191919191919", b"8181818"  # 13 and 7 digits, absent from the fixture


def _order_dict() -> dict:
    """The fixture order, refreshed and tagged with the placeholders."""
    order = json.loads(FIXTURE.read_text())
    order.update(
        id=int(ID_MARK), checkout_id=int(ID_MARK), admin_graphql_api_id=f"gid://shopify/Order/{ID_MARK.decode()}",
        name=f"#{NUMBER_MARK.decode()}", order_number=int(NUMBER_MARK), number=int(NUMBER_MARK),
        created_at="2026-11-20T10:00:00-05:00", updated_at="2026-11-20T10:00:00-05:00",
        processed_at="2026-11-20T10:00:00-05:00", presentment_currency="USD", note="",
        tags="bench, dropship", contact_email=order["email"], fulfillments=[],  # a new order: none yet
    )
    return order


def _size(order: dict) -> int:
    return len(json.dumps(order, separators=(",", ":")).encode())


def body_template(target: int = TARGET_BYTES) -> bytes:
    """Compact JSON of the order grown to `target` bytes: more line items, then a gift note."""
    order = _order_dict()
    items = order["line_items"]
    while _size(order) + _size(items[0]) + 1 <= target:
        n = len(items)
        items.append({**items[0], "id": items[0]["id"] + n, "sku": f"BENCH-SKU-{n:03d}", "title": f"Bench item {n}"})
    size = _size(order)
    phrase = "Please leave the parcel with the neighbour at number 12 if nobody is home. "
    order["note"] = (phrase * (1 + max(0, target - size) // len(phrase)))[: max(0, target - size)]
    raw = json.dumps(order, separators=(",", ":")).encode()
    assert raw.count(ID_MARK) >= 3 and raw.count(NUMBER_MARK) == 3, "placeholders must survive"
    return raw


def sign(body: bytes, secret: str) -> str:
    """Shopify's X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 over the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Delivery:
    """One HTTP request ready to write, and the (shop, webhook id) key the database should hold."""

    key: tuple[str, str]
    request: bytes


class DeliveryMaker:
    """Makes new signed deliveries and, 10% of the time, repeats one this maker sent before
    (same webhook id, same bytes), as Shopify does when it retries."""

    def __init__(self, secret: str, host: str, tag: str, first_order_id: int, seed: int,
                 body_bytes: int = TARGET_BYTES) -> None:
        self.secret, self.host, self.tag = secret, host, tag
        self.template = body_template(body_bytes)
        self.next_order_id = first_order_id
        self.rng = random.Random(seed)
        self.sent: deque[Delivery] = deque(maxlen=200)
        self.repeats = 0

    def next(self) -> Delivery:
        if self.sent and self.rng.random() < REPEAT_SHARE:
            self.repeats += 1
            return self.rng.choice(self.sent)
        delivery = self._new()
        self.sent.append(delivery)
        return delivery

    def _new(self) -> Delivery:
        order_id = self.next_order_id
        self.next_order_id += 1
        number = 10**6 + order_id % (9 * 10**6)
        body = self.template.replace(ID_MARK, b"%013d" % order_id).replace(NUMBER_MARK, b"%d" % number)
        shop = SHOPS[self.rng.randrange(len(SHOPS))]
        webhook_id = f"{self.tag}-{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"
        headers = (
            f"POST /webhooks HTTP/1.1\r\nHost: {self.host}\r\nUser-Agent: Shopify-Captain-Hook\r\n"
            f"Accept: */*\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Shopify-Topic: orders/create\r\nX-Shopify-Hmac-Sha256: {sign(body, self.secret)}\r\n"
            f"X-Shopify-Shop-Domain: {shop}\r\nX-Shopify-API-Version: {API_VERSION}\r\n"
            f"X-Shopify-Webhook-Id: {webhook_id}\r\nX-Shopify-Event-Id: {uuid.UUID(int=order_id)}\r\n"
            f"X-Shopify-Triggered-At: 2026-11-20T15:00:00.000Z\r\n\r\n"
        )
        return Delivery((shop, webhook_id), headers.encode() + body)
