"""An RQ worker (`flask worker`) SIGKILLed in the middle of a job: the lease keeps everyone else off
until it expires, then the sweeper re-enqueues the row and the work is done exactly once."""
from __future__ import annotations

import signal

import psycopg
import pytest

from tests.chaos import state
from tests.chaos.harness import POSTGRES, flask_worker, wait_until
from tests.support import SHOP, fixture, signed_webhook

pytestmark = [pytest.mark.services, POSTGRES]
ORDER = dict(fixture("orders_create.rest_fixture.json"), id=52001, admin_graphql_api_id=None)
OWNER = (SHOP, "gid://shopify/Order/52001")
WAITING_INSERT = ("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                  "AND query LIKE 'INSERT INTO orders%'")


@pytest.fixture
def setup(make_app, redis_env, shopify_server, database_url, tmp_path):
    env = {**redis_env, "SHOPIFY_API_ORIGIN_OVERRIDE": shopify_server.origin}
    app = make_app(env=env)
    state.install_token(app, SHOP)
    workers = []

    def start_worker():
        workers.append(flask_worker(database_url, tmp_path / f"worker-{len(workers)}.log", **env))
        return workers[-1]

    yield app, start_worker
    for worker in workers:
        worker.stop()


def queued(app) -> int:
    return app.extensions["jobs"].queue.count


def sweep(app) -> str:
    return app.test_cli_runner().invoke(args=["events", "sweep"]).output


def deliver(app) -> None:
    assert signed_webhook(app.test_client(), "orders/create", ORDER, webhook_id="rq-kill").status_code == 200
    wait_until(lambda: queued(app) == 1, what="the receiver's job in Redis")


def kill(worker) -> None:
    worker.signal(signal.SIGKILL)
    worker.wait(timeout=10)


def test_a_worker_killed_inside_a_webhook_job_is_replaced_after_its_lease(setup, shopify_server, database_url):
    app, start_worker = setup
    with psycopg.connect(database_url, connect_timeout=5) as blocker, \
            psycopg.connect(database_url, connect_timeout=5, autocommit=True) as observer:
        blocker.execute("LOCK TABLE orders IN EXCLUSIVE MODE")  # the handler's first write waits here
        deliver(app)
        worker = start_worker()
        wait_until(lambda: observer.execute(WAITING_INSERT).fetchone()[0] == 1, timeout=30,
                   what=lambda: f"the worker to block in its job\n{worker.tail()}")
        kill(worker)
        blocker.rollback()
    [event] = state.events(app)
    assert (event.status, event.attempts) == ("processing", 1) and state.orders(app) == []
    assert "enqueued 0" in sweep(app)  # the lease still holds: nobody else may take it
    state.make_due(app)  # the lease expires
    assert "enqueued 1" in sweep(app)
    assert start_worker().wait(timeout=60) == 0
    [event] = state.events(app)
    assert (event.status, event.attempts) == ("processed", 2)
    assert state.orders(app) == [(SHOP, 52001)]
    assert [e.status for e in state.effects(app)] == ["done"]
    assert shopify_server.applied == {OWNER: 1}


def test_a_worker_killed_while_writing_to_shopify_writes_once_after_its_lease(setup, shopify_server):
    app, start_worker = setup
    shopify_server.hold_next()
    deliver(app)
    worker = start_worker()
    assert shopify_server.held.wait(timeout=30), worker.tail()
    kill(worker)
    shopify_server.release()  # the write that was in flight is never carried out
    [effect] = state.effects(app)
    assert (effect.kind, effect.status, effect.attempts) == ("promise_metafields", "processing", 1)
    assert [e.status for e in state.events(app)] == ["processed"]
    assert "enqueued 0" in sweep(app)
    state.make_due(app)
    assert "enqueued 1" in sweep(app)
    assert start_worker().wait(timeout=60) == 0
    [effect] = state.effects(app)
    assert (effect.status, effect.attempts) == ("done", 2)
    assert shopify_server.received == {OWNER: 2} and shopify_server.applied == {OWNER: 1}
