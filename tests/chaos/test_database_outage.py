"""PostgreSQL unreachable during ingest: the receiver answers 5xx (never 200), and Shopify's retry
after recovery is stored and processed once. The app reaches PostgreSQL through a proxy the test cuts."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from shop_plugin.events import processing
from tests.chaos import state
from tests.chaos.harness import POSTGRES
from tests.chaos.tcp_proxy import TcpProxy
from tests.support import SHOP, fixture, signed_webhook

pytestmark = [pytest.mark.services, POSTGRES]
ORDER = fixture("orders_create.rest_fixture.json")


@pytest.fixture
def proxy(database_url):
    parts = urlsplit(database_url)
    proxy = TcpProxy((parts.hostname, parts.port or 5432))
    yield proxy
    proxy.close()


@pytest.fixture
def apps(make_app, database_url, proxy):
    """(the app, whose database connections go through the proxy; an observer connected directly)."""
    parts = urlsplit(database_url)
    proxied = parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}").geturl()
    return make_app(env={"DATABASE_URL": proxied}), make_app()


def deliver(app, order_id: int, webhook_id: str):
    return signed_webhook(app.test_client(), "orders/create", dict(ORDER, id=order_id), webhook_id=webhook_id)


def test_no_delivery_is_acknowledged_while_the_database_is_cut_off(apps, proxy):
    app, observer = apps
    assert deliver(app, 1, "before").status_code == 200  # the pool now holds a live connection
    proxy.cut()
    for _ in range(3):  # the pooled connection dies, then new connections are refused
        answer = deliver(app, 2, "during")
        assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert app.test_client().get("/healthz").status_code == 503
    assert [e.webhook_id for e in state.events(observer)] == ["before"]
    proxy.restore()
    assert deliver(app, 2, "during").status_code == 200
    assert [(e.webhook_id, e.status) for e in state.events(observer)] == [("before", "processed"),
                                                                           ("during", "processed")]
    assert state.orders(observer) == [(SHOP, 1), (SHOP, 2)]


def test_a_commit_whose_answer_is_lost_is_confirmed_by_writing_the_row_again(apps, proxy):
    """The receiver's insert runs in autocommit, so the INSERT is its own commit. The line goes down
    after PostgreSQL ran it and before its answer came back. The group commit retries the failed
    batch row by row on a new connection: the row is already there, so the delivery is durable and
    answered 200; nothing is enqueued for it, and the sweep picks it up."""
    app, observer = apps
    proxy.drop_after(b"INSERT INTO webhook_events")
    answer = deliver(app, 3, "ambiguous")
    assert proxy.dropped.is_set() and answer.status_code == 200
    [stored] = state.events(observer)
    assert (stored.webhook_id, stored.status) == ("ambiguous", "received")
    assert deliver(app, 3, "ambiguous").status_code == 200
    assert len(state.events(observer)) == 1
    state.make_due(observer)
    with observer.app_context():
        assert processing.sweep() == 1
    [event] = state.events(observer)
    assert (event.status, event.attempts) == ("processed", 1)
    assert state.orders(observer) == [(SHOP, 3)]
