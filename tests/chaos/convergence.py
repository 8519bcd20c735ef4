"""Deliver traffic through the real app and read back what it left: the two halves of the
out-of-order test, shared with its in-order reference run (`python -m tests.chaos.reference_run`)."""
from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from shop_plugin.events.models import WebhookEvent
from tests.chaos import state, traffic
from tests.support import FakeShopify

SEED = 20261124
SHOPS = traffic.shops(50)


def deliver(app, streams: list[list[traffic.Delivery]], threads: int) -> None:
    """Each stream in its own order, `threads` streams at a time; then the sweeper retries whatever
    lost a race (a deadlock, say) until nothing is left to do."""
    local = threading.local()

    def send(stream: list[traffic.Delivery]) -> Counter:
        if not hasattr(local, "client"):
            local.client = app.test_client()
        return Counter(local.client.post("/webhooks", data=d.body, headers=d.headers()).status_code for d in stream)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        answers = sum(pool.map(send, streams), Counter())
    assert answers == {200: sum(len(stream) for stream in streams)}, answers
    for _ in range(5):
        if not sum(state.count(app, WebhookEvent, status=s) for s in ("received", "failed", "processing")):
            break
        state.make_due(app)
        app.test_cli_runner().invoke(args=["events", "sweep"])


def outcome(app, shopify: FakeShopify, mail: list) -> dict:
    """The final state, the metafield writes per order and the emails per subject, as plain JSON."""
    writes = Counter(call["variables"]["metafields"][0]["ownerId"] for call in shopify.graphql_calls("metafieldsSet"))
    return json.loads(json.dumps({"state": state.snapshot(app), "writes": writes,
                                  "mail": Counter(m["Subject"] for m in mail)}))


def run(app, shopify: FakeShopify, mail: list, streams: list[list[traffic.Delivery]], threads: int) -> dict:
    for shop in SHOPS:
        state.install_token(app, shop)
    deliver(app, streams, threads)
    return outcome(app, shopify, mail)
