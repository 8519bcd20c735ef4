"""Shopify's side of reconciliation at the HTTP layer: the shop's orders, answered page by page to the
app's GraphQL queries with cost extensions, plus scripted interruptions (throttling, 5xx, a crash)."""
from __future__ import annotations

import base64
import copy
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.orders.models import Order
from shop_plugin.reconcile import service
from shop_plugin.reconcile.models import ReconcileRun
from shop_plugin.shops import service as shops
from tests.support import SHOP, session_token

PAGE = json.loads((Path(__file__).parent / "orders_page.graphql.json").read_text())
SINCE = re.compile(r"updated_at:>='([^']+)'")


def ago(**delta) -> datetime:
    """A time relative to now, to the second (as Shopify reports times)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(**delta)


def stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order_node(order_id: int, updated_at: datetime, line_items: int = 2, **changes) -> dict:
    """The fixture's first order as order `order_id`, its children's ids derived from it."""
    node = copy.deepcopy(PAGE["data"]["orders"]["edges"][0]["node"])
    items = node["lineItems"]["nodes"]
    node["lineItems"]["nodes"] = [dict(copy.deepcopy(items[n % len(items)]), id=f"gid://shopify/LineItem/{order_id}{n}")
                                  for n in range(line_items)]
    node["fulfillments"][0]["id"] = f"gid://shopify/Fulfillment/{order_id}1"
    node["refunds"][0]["id"] = f"gid://shopify/Refund/{order_id}2"
    node.update(id=f"gid://shopify/Order/{order_id}", name=f"#{order_id}", updatedAt=stamp(updated_at),
                createdAt=stamp(updated_at - timedelta(days=1)), processedAt=stamp(updated_at - timedelta(days=1)))
    node.update(changes)
    return node


def throttled(available: float, requested: float = 900, restore: float = 100.0) -> httpx.Response:
    return httpx.Response(200, json={
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": {
            "maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": restore}}}})


class Crash(BaseException):
    """The worker process dies mid-run (not an error the run could record)."""


def _key(node: dict) -> list:
    return [node["updatedAt"], node["id"]]


def _cursor(node: dict) -> str:
    return base64.b64encode(json.dumps(_key(node)).encode()).decode()


@dataclass
class ShopifyOrders:
    nodes: dict[int, dict] = field(default_factory=dict)
    throttle: dict = field(default_factory=lambda: {"maximumAvailable": 2000.0, "currentlyAvailable": 1990.0,
                                                    "restoreRate": 100.0})
    requested: float = 900
    interruptions: dict[int, object] = field(default_factory=dict)  # nth page request → answer or Crash
    throttle_after: dict[int, dict] = field(default_factory=dict)  # nth page request → bucket it leaves
    page_requests: list[dict] = field(default_factory=list)
    count_requests: list[dict] = field(default_factory=list)

    def put(self, node: dict) -> dict:
        self.nodes[int(node["id"].rsplit("/", 1)[1])] = node
        return node

    def _answer(self, data: dict) -> httpx.Response:
        cost = {"requestedQueryCost": self.requested, "actualQueryCost": 40, "throttleStatus": dict(self.throttle)}
        return httpx.Response(200, json={"data": data, "extensions": {"cost": cost}})

    def _matching(self, query: str) -> list[dict]:
        since = datetime.fromisoformat(SINCE.search(query).group(1))
        return sorted((n for n in self.nodes.values() if datetime.fromisoformat(n["updatedAt"]) >= since), key=_key)

    def page(self, body: dict) -> httpx.Response:
        variables = body["variables"]
        self.page_requests.append(variables)
        interruption = self.interruptions.pop(len(self.page_requests), None)
        if isinstance(interruption, BaseException):
            raise interruption
        if interruption is not None:
            return interruption
        found = self._matching(variables["query"])
        if variables.get("after"):
            last = json.loads(base64.b64decode(variables["after"]))
            found = [n for n in found if _key(n) > last]
        page = [self._first_line_items(n) for n in found[:variables["first"]]]
        info = {"hasNextPage": len(found) > len(page), "endCursor": _cursor(page[-1]) if page else None}
        edges = [{"cursor": _cursor(n), "node": n} for n in page]
        self.throttle.update(self.throttle_after.pop(len(self.page_requests), {}))
        return self._answer({"orders": {"pageInfo": info, "edges": edges}})

    def _first_line_items(self, node: dict) -> dict:
        """Shopify answers `lineItems(first: 10)`: the rest come from the line-items query."""
        node = copy.deepcopy(node)
        items = node["lineItems"]["nodes"]
        node["lineItems"] = {"pageInfo": {"hasNextPage": len(items) > 10, "endCursor": "10" if items else None},
                             "nodes": items[:10]}
        return node

    def line_items(self, body: dict) -> httpx.Response:
        variables = body["variables"]
        items = self.nodes[int(variables["id"].rsplit("/", 1)[1])]["lineItems"]["nodes"]
        start = int(variables["after"])
        chunk = items[start:start + variables["first"]]
        more = start + len(chunk) < len(items)
        return self._answer({"order": {"lineItems": {
            "pageInfo": {"hasNextPage": more, "endCursor": str(start + len(chunk))}, "nodes": chunk}}})

    def count(self, body: dict) -> httpx.Response:
        self.count_requests.append(body["variables"])
        return self._answer({"ordersCount": {"count": len(self._matching(body["variables"]["query"])),
                                             "precision": "EXACT"}})


@dataclass
class FakeTime:
    """Injected sleep and clock: sleeping only moves the clock on."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds

    def clock(self) -> float:
        return self.now

    monotonic = time = clock


def install(client, shop: str = SHOP) -> None:
    assert client.get(f"/?shop={shop}&embedded=1&id_token={session_token(shop)}").status_code == 200


def rows(app, model, **where) -> list:
    with app.app_context():
        return list(session().scalars(select(model).filter_by(**where).order_by(model.id)))


def shop_orders(app, shop: str = SHOP) -> dict[int, Order]:
    with app.app_context():
        shop_id = shops.get(domain=shop).id
    return {o.shopify_id: o for o in rows(app, Order, shop_id=shop_id)}


def start_manual(app, shop: str = SHOP, since: datetime | None = None) -> int:
    with app.app_context():
        run_id, _ = service.start(session(), shop=shops.get(domain=shop), kind="manual", since=since or ago(days=1))
        session().commit()
        return run_id


def get_run(app, run_id: int) -> ReconcileRun:
    with app.app_context():
        return service.get(session(), run_id=run_id)


def reconcile(app, shop: str = SHOP, since: datetime | None = None) -> ReconcileRun:
    """A manual run, worked to its end (or its first stop) by the job, in this process."""
    run_id = start_manual(app, shop, since)
    with app.app_context():
        service.resume(run_id)
    return get_run(app, run_id)
