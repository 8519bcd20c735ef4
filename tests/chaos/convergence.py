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
    send(app, streams, threads)
    sweep_until_done(app)


def send(app, streams: list[list[traffic.Delivery]], threads: int) -> None:
    local = threading.local()

    def post(stream: list[traffic.Delivery]) -> Counter:
        if not hasattr(local, "client"):
            local.client = app.test_client()
        return Counter(local.client.post("/webhooks", data=d.body, headers=d.headers()).status_code for d in stream)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        answers = sum(pool.map(post, streams), Counter())
    assert answers == {200: sum(len(stream) for stream in streams)}, answers


def sweep_until_done(app, then=lambda: None) -> None:
    """The sweeper, a while later each time, until no event is left to apply; `then` after each sweep
    (an RQ worker, when jobs go to Redis)."""
    for _ in range(5):
        if not sum(state.count(app, WebhookEvent, status=s) for s in ("received", "failed", "processing")):
            break
        state.make_due(app)
        app.test_cli_runner().invoke(args=["events", "sweep"])
        then()


def run_in_batches(app, shopify: FakeShopify, mail: list, streams: list[list[traffic.Delivery]],
                   threads: int) -> dict:
    """`run` with RQ: the receiver's jobs (up to twenty event ids each) applied `threads` at a time,
    as workers on several machines take them (RQ runs one job per worker process, so the jobs run
    here on threads); then an RQ worker runs the effects they scheduled."""
    from shop_plugin import jobs

    jobs.bind_worker_app(app)  # as `flask worker` does (an earlier test's worker may have bound its own app)
    for shop in SHOPS:
        state.install_token(app, shop)
    send(app, streams, threads)
    rq = app.extensions["jobs"]
    rq.close()  # the flusher sends what it holds
    batches = [job.args for job in rq.queue.jobs]
    rq.queue.empty()
    assert max(len(args) - 1 for args in batches) > 1  # ids share jobs, as under load

    def apply(args: tuple) -> None:
        with app.app_context():
            jobs.run_many(*args)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(apply, batches))

    def worker() -> None:
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output

    worker()
    sweep_until_done(app, then=worker)
    return outcome(app, shopify, mail)


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
