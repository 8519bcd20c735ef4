"""Redis stopped: ingest keeps answering 200 from the committed row; once Redis is back (empty, as
after a crash), the sweeper enqueues what is due and two real workers drain it, each event and each
Shopify write exactly once."""
from __future__ import annotations

import time
import uuid

import pytest
from rq import Queue

from tests.chaos import state
from tests.chaos.harness import POSTGRES, flask_worker
from tests.support import OTHER_SHOP, SHOP, fixture, signed_webhook

pytestmark = [pytest.mark.services, POSTGRES]
ORDER = fixture("orders_create.rest_fixture.json")
SHOPS = (SHOP, OTHER_SHOP)


def deliver(client, n: int):
    shop = SHOPS[n % 2]
    return signed_webhook(client, "orders/create", dict(ORDER, id=40000 + n, admin_graphql_api_id=None),
                          shop=shop, webhook_id=f"redis-{n}")


def test_ingest_survives_a_redis_outage_and_the_sweeper_catches_up(make_app, database_url, own_redis,
                                                                  shopify_server, tmp_path):
    env = {"REDIS_URL": own_redis.url, "RQ_QUEUE": f"chaos-{uuid.uuid4().hex[:8]}", "SWEEP_GRACE_SECONDS": "0",
           "SHOPIFY_API_ORIGIN_OVERRIDE": shopify_server.origin}
    app = make_app(env=env)
    for shop in SHOPS:
        state.install_token(app, shop)
    client = app.test_client()
    assert all(deliver(client, n).status_code == 200 for n in range(10))
    queue = app.extensions["jobs"]
    queue.flush(block=False)
    own_redis.stop()
    started = time.monotonic()
    assert all(deliver(client, n).status_code == 200 for n in range(10, 30))
    assert time.monotonic() - started < 10  # no delivery waits on the dead Redis
    # The buffered jobs are lost with the connection. close() also waits for the batch the flusher
    # thread holds: its retries would otherwise reach the Redis restarted below (harmless, since a
    # claimed row runs once, but this test starts from an empty Redis, as after a crash).
    queue.close()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json == {"database": "ok", "queue": "unavailable"}
    assert {e.status for e in state.events(app)} == {"received"} and len(state.events(app)) == 30

    own_redis.start()  # empty: the jobs enqueued before the outage are gone too
    assert Queue(env["RQ_QUEUE"], connection=queue.redis).count == 0
    assert "enqueued 30" in app.test_cli_runner().invoke(args=["events", "sweep"]).output
    workers = [flask_worker(database_url, tmp_path / f"worker-{n}.log", **env) for n in range(2)]
    try:
        for worker in workers:
            assert worker.wait(timeout=60) == 0, worker.tail()
    finally:
        for worker in workers:
            worker.stop()

    done = state.events(app)
    assert [(e.status, e.attempts) for e in done] == [("processed", 1)] * 30
    assert len(state.orders(app)) == 30
    assert {e.status for e in state.effects(app)} == {"done"} and len(state.effects(app)) == 30
    assert shopify_server.applied == {(SHOPS[n % 2], f"gid://shopify/Order/{40000 + n}"): 1 for n in range(30)}
