"""The receiver's insert runs on a held DBAPI connection: rows stored exactly as SQLAlchemy stores them,
errors raised as SQLAlchemy's, and a connection the database dropped replaced without failing anyone."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from shop_plugin.events.models import RECEIVED, WebhookEvent
from shop_plugin.extensions import database, session
from tests.support import webhook_headers
from webhooks import driver_insert
from webhooks.group_commit import GroupCommit
from webhooks.receiver import row_insert

WHEN = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)


def row(webhook_id: str, **changes) -> dict:
    return {"shop_domain": "alpha-store.myshopify.com", "webhook_id": webhook_id, "event_id": "ev-1",
            "topic": "orders/create", "api_version": "2026-10", "triggered_at": WHEN,
            "headers": {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": webhook_id},
            "body": b'{"id": 1, "note": "caf\xc3\xa9"}\x00', "source": "webhook", "status": RECEIVED,
            "attempts": 0, "received_at": WHEN, "next_attempt_at": WHEN + timedelta(minutes=2), **changes}


def read(app, webhook_id: str) -> dict:
    with app.app_context():
        event = session().scalars(select(WebhookEvent).where(WebhookEvent.webhook_id == webhook_id)).one()
        return {c: getattr(event, c) for c in row("x")}


def test_a_row_reads_back_exactly_as_one_sqlalchemy_inserted(app, insert):
    [(event_id, shop, webhook_id)] = insert([row("driver")])
    with app.app_context():
        session().execute(sa.insert(WebhookEvent), [row("core")])
        session().commit()
    assert (shop, webhook_id) == ("alpha-store.myshopify.com", "driver") and event_id > 0
    driver, core = read(app, "driver"), read(app, "core")
    assert driver == {**core, "webhook_id": "driver", "headers": {**core["headers"], "X-Shopify-Webhook-Id": "driver"}}
    assert driver["triggered_at"] == WHEN and driver["triggered_at"].tzinfo is not None
    assert driver["body"] == row("x")["body"]


def test_a_key_already_stored_returns_nothing_and_changes_nothing(app, insert):
    assert len(insert([row("once")])) == 1
    assert insert([row("once", topic="orders/updated")]) == []
    assert read(app, "once")["topic"] == "orders/create"


def test_a_refused_row_raises_sqlalchemys_error_and_the_next_call_works(app, insert):
    with pytest.raises(IntegrityError):
        insert([row("kept-out"), row("bad", topic=None)])
    assert len(insert([row("after")])) == 1
    with app.app_context():
        assert session().scalars(select(WebhookEvent.webhook_id)).all() == ["after"], "the failed batch left nothing"


def test_the_connection_goes_back_to_the_pool_after_the_hold_time(insert, monkeypatch):
    insert([row("first")])
    held = insert._connection
    insert([row("second")])
    assert insert._connection is held, "held between calls"
    monkeypatch.setattr(driver_insert, "HOLD_SECONDS", -1)
    insert([row("third")])
    assert insert._connection is not held and held.dbapi_connection is None, "returned, then checked out anew"


def test_an_unreachable_database_raises_sqlalchemys_operational_error(make_app, database_url, tmp_path):
    broken = (f"sqlite:///{tmp_path}/missing-dir/db.sqlite3" if database_url.startswith("sqlite")
              else "postgresql://postgres@127.0.0.1:1/nowhere")
    app = make_app(env={"DATABASE_URL": broken})
    with app.app_context():
        run = row_insert(database().engine)
    with pytest.raises(OperationalError):
        run([row("nowhere")])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_the_database_dropped_is_replaced_without_failing_a_delivery(app, client, insert):
    """PostgreSQL restarted or an idle connection killed: the held connection is dead. The batch fails on
    it, its rows are retried one by one on a new connection, and every delivery still gets its 200."""
    body = b'{"id": 1}'

    def deliver(webhook_id: str) -> int:
        headers = webhook_headers("orders/create", body, webhook_id=webhook_id)
        return client.post("/webhooks", data=body, headers=headers).status_code

    assert deliver("a") == 200
    writer: GroupCommit = app.extensions["webhook_writer"]
    pid = writer.insert._connection.dbapi_connection.info.backend_pid
    with app.app_context():
        session().execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        session().commit()
    assert deliver("b") == 200
    assert writer.insert._connection.dbapi_connection.info.backend_pid != pid
    with app.app_context():
        assert sorted(session().scalars(select(WebhookEvent.webhook_id))) == ["a", "b"]


def test_the_connection_goes_back_to_the_pool_out_of_autocommit(app, insert):
    """The insert runs its connection in autocommit; whoever gets it from the pool next must not."""
    insert([row("first")])
    lent = insert._connection.dbapi_connection
    insert.close()
    with app.app_context(), database().engine.connect() as conn:
        assert conn.connection.dbapi_connection is lent, "the pool hands out the same connection"
        conn.execute(sa.insert(WebhookEvent), [row("rolled-back")])
        conn.rollback()
    with app.app_context():
        assert session().scalars(select(WebhookEvent.webhook_id)).all() == ["first"]


def test_a_batch_is_one_statement_and_each_new_row_comes_back_once(app, insert):
    insert([row("seen-before")])
    batch = [row(f"batch-{n}") for n in range(63)] + [row("seen-before")]
    returned = insert(batch)
    assert sorted(webhook_id for _, _, webhook_id in returned) == sorted(f"batch-{n}" for n in range(63))
    assert set(insert._compiled) == {1, 64}, "one statement per row count, compiled once"
    assert len(insert([row("twice"), row("twice")])) == 1, "the same key twice in one statement: one row"
    with app.app_context():
        assert session().scalar(select(sa.func.count()).select_from(WebhookEvent)) == 65

