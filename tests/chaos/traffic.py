"""Shopify traffic for many shops: each order tells one story (plain, shipped, carrier failure,
cancelled, refunded) as the webhooks Shopify would send, in the order things happened.

Every story is built so that whatever prefix of it the app has seen, it never breaches a rule the
whole story does not breach: delivered in any order, the app must end in the same state.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.support import fixture, webhook_headers

ORDER = fixture("orders_create.rest_fixture.json")
FULFILLMENT = fixture("fulfillments_create.rest_fixture.json")
CARRIER_EVENT = fixture("fulfillment_events_create.rest_fixture.json")
REFUND = fixture("refunds_create.rest_fixture.json")


@dataclass(frozen=True)
class Delivery:
    shop: str
    topic: str
    body: bytes
    webhook_id: str
    happened_at: datetime

    def headers(self) -> dict:
        stamp = self.happened_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return webhook_headers(self.topic, self.body, self.shop, self.webhook_id, **{"X-Shopify-Triggered-At": stamp})


def shops(count: int) -> list[str]:
    return [f"chaos-{n:02d}.myshopify.com" for n in range(count)]


def iso(at: datetime) -> str:
    return at.isoformat()


class Story:
    """One order's webhooks; `at()` moves the story's clock forward a few minutes per step."""

    def __init__(self, shop: str, order_id: int, start: datetime, rng: random.Random) -> None:
        self.shop, self.order_id, self.clock, self.rng = shop, order_id, start, rng
        self.created = start
        self.sent: list[tuple[str, dict, datetime]] = []
        self.fulfillment: dict | None = None

    def at(self) -> datetime:
        self.clock += timedelta(minutes=self.rng.randint(1, 9), seconds=self.rng.randint(0, 59))
        return self.clock

    def order(self, topic: str, **changes) -> None:
        when, quantity = self.at(), changes.pop("quantity", 1)
        items = [dict(item, quantity=quantity) for item in ORDER["line_items"]]
        payload = dict(ORDER, id=self.order_id, name=f"#{self.order_id}", email=f"buyer{self.order_id}@example.com",
                       admin_graphql_api_id=f"gid://shopify/Order/{self.order_id}", created_at=iso(self.created),
                       updated_at=iso(when), customer_locale="en", financial_status="paid", fulfillment_status=None,
                       cancelled_at=None, closed_at=None, tags="", refunds=[], line_items=items,
                       fulfillments=[self.fulfillment] if self.fulfillment else [])
        payload.update(changes)
        self.sent.append((topic, payload, when))

    def fulfil(self, topic: str, **changes) -> None:
        when = self.at()
        base = self.fulfillment or dict(FULFILLMENT, id=self.order_id * 10 + 1, order_id=self.order_id,
                                        status="success", shipment_status=None, created_at=iso(when),
                                        tracking_number=f"TRK{self.order_id}", tracking_numbers=[f"TRK{self.order_id}"])
        self.fulfillment = dict(base, updated_at=iso(when), **changes)
        self.sent.append((topic, self.fulfillment, when))

    def carrier(self, status: str) -> None:
        when = self.at()
        n = sum(1 for topic, _, _ in self.sent if topic == "fulfillment_events/create")
        self.sent.append(("fulfillment_events/create", dict(
            CARRIER_EVENT, id=self.order_id * 100 + n, fulfillment_id=self.order_id * 10 + 1, order_id=self.order_id,
            status=status, happened_at=iso(when), created_at=iso(when), updated_at=iso(when)), when))

    def refund(self) -> None:
        when = self.at()
        self.sent.append(("refunds/create", dict(REFUND, id=self.order_id * 10 + 7, order_id=self.order_id,
                                                 created_at=iso(when), note="goodwill", transactions=[
                                                     {"kind": "refund", "status": "success", "amount": "10.00",
                                                      "currency": "USD"}]), when))


def plain(s: Story) -> None:
    s.order("orders/create", financial_status="pending")
    s.order("orders/updated", financial_status="pending", tags="vip", quantity=2)
    s.order("orders/paid", tags="vip", quantity=2)


def shipped(s: Story) -> None:
    s.order("orders/create")
    s.fulfil("fulfillments/create")
    s.carrier("in_transit")
    s.fulfil("fulfillments/update", shipment_status="in_transit")
    s.order("orders/fulfilled", fulfillment_status="fulfilled")
    s.carrier("delivered")
    s.fulfil("fulfillments/update", shipment_status="delivered")


def carrier_failure(s: Story) -> None:
    s.order("orders/create")
    s.fulfil("fulfillments/create")
    s.carrier("in_transit")
    s.carrier("failure")


def cancelled(s: Story) -> None:
    s.order("orders/create", financial_status="pending")
    s.order("orders/updated", financial_status="pending", tags="check")
    s.order("orders/cancelled", financial_status="voided", tags="check", cancelled_at=iso(s.clock))


def refunded(s: Story) -> None:
    s.order("orders/create")
    s.refund()
    s.order("orders/updated", financial_status="partially_refunded")


STORIES = (plain, shipped, carrier_failure, cancelled, refunded)


def timeline(seed: int, now: datetime, shop_count: int = 50, events: int = 1000) -> list[Delivery]:
    """`events` webhooks for `shop_count` shops in the hours before `now`, in the order they happened."""
    rng = random.Random(seed)
    domains = shops(shop_count)
    deliveries: list[Delivery] = []
    while len(deliveries) < events:
        n = len(deliveries)
        story = Story(domains[n % shop_count], 70_000_000 + n, now - timedelta(hours=3, minutes=rng.randint(0, 90)),
                      rng)
        rng.choice(STORIES)(story)
        deliveries += [Delivery(story.shop, topic, json.dumps(payload).encode(), f"wh-{n + k}", when)
                       for k, (topic, payload, when) in enumerate(story.sent)]
    return sorted(deliveries[:events], key=lambda d: d.happened_at)


def shuffled_with_duplicates(deliveries: list[Delivery], seed: int, share: float = 0.1) -> list[Delivery]:
    """Random order, and `share` of the deliveries sent twice (Shopify's retries race the originals)."""
    rng = random.Random(seed)
    mixed = deliveries + rng.sample(deliveries, int(len(deliveries) * share))
    rng.shuffle(mixed)
    return mixed
