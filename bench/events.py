"""Realistic webhook bodies for the worker benchmarks (W4 drain, W6 duplicates, W2 burst dates).

Shapes come from the public fixtures in tests/fixtures/ (orders/create, fulfillments/create,
fulfillment_events/create); ids, names, emails and times are made unique and fresh, so each
order is a new order of today and the handlers do their full work (upsert, line items, promise,
effect, delay check). Bodies are compact JSON, as Shopify sends them.
"""
from __future__ import annotations

import copy
import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
API_VERSION = "2026-10"
_ORDER = json.loads((FIXTURES / "orders_create.rest_fixture.json").read_text())
_FULFILLMENT = json.loads((FIXTURES / "fulfillments_create.rest_fixture.json").read_text())
_EVENT = json.loads((FIXTURES / "fulfillment_events_create.rest_fixture.json").read_text())
CARRIER_STATUSES = ("label_printed", "in_transit", "in_transit", "out_for_delivery", "delivered")


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds")


def shop_domain(n: int) -> str:
    return f"bench-shop-{n:03d}.myshopify.com"


def order(order_id: int, *, created_at: datetime, updated_at: datetime | None = None, email: str | None = None,
          financial_status: str = "paid", fulfillments: list | None = None) -> dict:
    """The fixture order as a new order: unique id, name and email; fresh times; no fulfilments."""
    body = copy.deepcopy(_ORDER)
    number = 1000 + order_id % 10**7
    body.update(
        id=order_id, checkout_id=order_id, admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        name=f"#{number}", order_number=number, number=number, token=uuid.UUID(int=order_id).hex,
        email=email or f"buyer{order_id}@example.com", contact_email=email or f"buyer{order_id}@example.com",
        created_at=iso(created_at), processed_at=iso(created_at), updated_at=iso(updated_at or created_at),
        financial_status=financial_status, fulfillment_status=None, fulfillments=fulfillments or [],
        customer_locale="en", presentment_currency="USD", tags="bench",
    )
    for k, item in enumerate(body["line_items"]):
        item["id"] = order_id * 10 + k  # unique per order, like Shopify's
    return body


def fulfillment(fulfillment_id: int, order_id: int, *, at: datetime, tracked: bool = True) -> dict:
    body = copy.deepcopy(_FULFILLMENT)
    number = f"1Z{fulfillment_id:012d}" if tracked else None
    body.update(id=fulfillment_id, order_id=order_id, created_at=iso(at), updated_at=iso(at), status="success",
                tracking_company="UPS" if tracked else None, tracking_number=number,
                tracking_numbers=[number] if tracked else [],
                tracking_url=f"https://www.ups.com/track?tracknum={number}" if tracked else None,
                tracking_urls=[f"https://www.ups.com/track?tracknum={number}"] if tracked else [],
                admin_graphql_api_id=f"gid://shopify/Fulfillment/{fulfillment_id}")
    return body


def fulfillment_event(event_id: int, fulfillment_id: int, order_id: int, *, status: str, at: datetime) -> dict:
    body = dict(_EVENT)
    body.update(id=event_id, fulfillment_id=fulfillment_id, order_id=order_id, status=status, happened_at=iso(at),
                created_at=iso(at), updated_at=iso(at), city="Louisville", province="Kentucky", country="US",
                admin_graphql_api_id=f"gid://shopify/FulfillmentEvent/{event_id}")
    return body


@dataclass(frozen=True)
class Event:
    """One delivery as the receiver stores it."""

    at: datetime  # when Shopify triggered it (the stream is sorted by this)
    shop: str
    topic: str
    webhook_id: str
    body: bytes

    def headers(self) -> dict[str, str]:
        return {"X-Shopify-Topic": self.topic, "X-Shopify-Shop-Domain": self.shop,
                "X-Shopify-Webhook-Id": self.webhook_id, "X-Shopify-Event-Id": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                                                               self.webhook_id)),
                "X-Shopify-API-Version": API_VERSION, "X-Shopify-Triggered-At": iso(self.at)}


MIX = {"orders/updated": 0.70, "fulfillments/create": 0.45, "fulfillment_events/create": 0.25}


def stream(total: int, shops: int, seed: int = 7, now: datetime | None = None) -> list[Event]:
    """`total` events of `shops` shops over the last 48 hours, sorted by trigger time.

    Per order: orders/create; orders/updated 70 % (paid, 5–60 min later); fulfillments/create
    45 % (12–30 h later, tracked); fulfillment_events/create for 25 % of orders (in transit, a
    few hours after the fulfilment). About 2.4 events per order; the stream is cut at `total`."""
    rng, now = random.Random(seed), now or datetime.now(UTC)
    events: list[Event] = []
    order_id = 7 * 10**11
    while len(events) < total * 1.02:  # a little over, then the newest are cut
        order_id += 1
        shop = shop_domain(rng.randrange(shops))
        created = now - timedelta(seconds=rng.uniform(0, 48 * 3600))
        story = [("orders/create", created, order(order_id, created_at=created))]
        if rng.random() < MIX["orders/updated"]:
            at = created + timedelta(minutes=rng.uniform(5, 60))
            story.append(("orders/updated", at, order(order_id, created_at=created, updated_at=at)))
        if rng.random() < MIX["fulfillments/create"]:
            at = created + timedelta(hours=rng.uniform(12, 30))
            fid = order_id * 10 + 1
            story.append(("fulfillments/create", at, fulfillment(fid, order_id, at=at)))
            if rng.random() < MIX["fulfillment_events/create"] / MIX["fulfillments/create"]:
                at2 = at + timedelta(hours=rng.uniform(2, 12))
                story.append(("fulfillment_events/create", at2,
                              fulfillment_event(order_id * 10 + 2, fid, order_id, status="in_transit", at=at2)))
        for topic, at, body in story:
            events.append(Event(at=min(at, now), shop=shop, topic=topic, webhook_id=str(uuid.UUID(
                int=rng.getrandbits(128), version=4)), body=json.dumps(body, separators=(",", ":")).encode()))
    events.sort(key=lambda e: e.at)
    return events[:total]
