"""A gunicorn worker SIGKILLed around the commit: Shopify's retry of the same webhook id is answered
200 and the order is stored, processed and written to Shopify exactly once."""
from __future__ import annotations

import json

import httpx
import pytest

from tests.chaos import state
from tests.chaos.harness import BIN, POSTGRES, Spawned, free_port, process_env, wait_until
from tests.support import SHOP, fixture, webhook_headers

pytestmark = [pytest.mark.services, POSTGRES]
ORDER = fixture("orders_create.rest_fixture.json")


@pytest.fixture
def web(database_url, redis_env, tmp_path):
    """The real app under real gunicorn (the project's config, one gthread worker), RQ on Redis."""
    port = free_port()
    env = process_env(database_url, **redis_env, SWEEP_GRACE_SECONDS="0", WEB_CONCURRENCY="1",
                      GUNICORN_THREADS="4")
    server = Spawned([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                      "--no-control-socket", "tests.chaos.kill_after_commit:app"], env, tmp_path / "gunicorn.log")
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        wait_until(lambda: healthy(client), timeout=30, what=f"gunicorn to serve\n{server.tail()}")
        yield client
    finally:
        client.close()
        server.stop()


def healthy(client: httpx.Client) -> bool:
    try:
        return client.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False


def deliver(client: httpx.Client, order_id: int, kill: str | None = None) -> httpx.Response:
    """orders/create for `order_id`, always under the same webhook id, as Shopify retries it."""
    body = json.dumps(dict(ORDER, id=order_id, admin_graphql_api_id=None)).encode()
    headers = webhook_headers("orders/create", body, SHOP, f"killed-{order_id}")
    if kill:
        headers["X-Chaos-Kill"] = kill
    return client.post("/webhooks", content=body, headers=headers)


def delivered_after_a_kill(web: httpx.Client, app, order_id: int, kill: str) -> None:
    """The worker dies; Shopify sees a dropped connection and retries (twice, to be sure) until 200."""
    stored = len(state.events(app))
    with pytest.raises(httpx.TransportError):
        deliver(web, order_id, kill=kill)
    assert len(state.events(app)) == stored + (1 if kill == "after" else 0)
    wait_until(lambda: healthy(web), timeout=30, what="gunicorn to replace its worker")
    assert [deliver(web, order_id).status_code for _ in range(2)] == [200, 200]
    assert len(state.events(app)) == stored + 1


def test_a_worker_killed_before_or_after_the_commit_leaves_each_delivery_done_once(web, make_app, redis_env,
                                                                                 fake_shopify):
    app = make_app(env=redis_env)
    state.install_token(app, SHOP)
    delivered_after_a_kill(web, app, 31001, kill="before")  # nothing stored: the retry stores it
    delivered_after_a_kill(web, app, 31002, kill="after")  # stored, never answered: the retry is a no-op
    runner = app.test_cli_runner()  # what production does next: the sweeper, then a worker
    assert runner.invoke(args=["events", "sweep"]).exit_code == 0
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output

    assert [(e.webhook_id, e.status, e.attempts) for e in state.events(app)] == [
        ("killed-31001", "processed", 1), ("killed-31002", "processed", 1)]
    assert state.orders(app) == [(SHOP, 31001), (SHOP, 31002)]
    assert [(e.key, e.status) for e in state.effects(app)] == [("31001", "done"), ("31002", "done")]
    writes = sorted(c["variables"]["metafields"][0]["ownerId"] for c in fake_shopify.graphql_calls("metafieldsSet"))
    assert writes == ["gid://shopify/Order/31001", "gid://shopify/Order/31002"]
