"""Fixtures: an app on real SQLite and (when reachable, or required) real PostgreSQL.

SHIPPROMISE_REQUIRE_SERVICES=1 (set by .ci/run) turns "PostgreSQL/Redis not reachable"
from a skip into a failure, so CI can never pass without the service-backed tests.
"""
from __future__ import annotations

import os
import shutil
import uuid

import psycopg
import pytest
from sqlalchemy import text

from shop_plugin import create_app
from tests.support import API_KEY, SECRET, TOKEN_KEY, FakeShopify
from webhooks.receiver import close_writer

PG_ADMIN = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
REQUIRE_SERVICES = os.environ.get("SHIPPROMISE_REQUIRE_SERVICES") == "1"


def need_service(name: str, reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required (SHIPPROMISE_REQUIRE_SERVICES=1) but {reason}")
    pytest.skip(f"{name} not reachable: {reason}")


def base_env(database_url: str, **extra) -> dict:
    env = {
        "APP_ENV": "test", "SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": SECRET,
        "SHOPIFY_APP_URL": "https://app.example.test", "SECRET_KEY": "test-secret-key",
        "TOKEN_ENCRYPTION_KEY": TOKEN_KEY, "DATABASE_URL": database_url,
        # Tests that send mail start their own SMTP server; the others must never reach the development
        # mail sink of a `make run` on this machine (port 1025): port 9 has no listener.
        "SMTP_URL": "smtp://127.0.0.1:9",
    }
    env.update(extra)
    return env


def migrate(app) -> None:
    from alembic import command

    from shop_plugin.cli import alembic_config

    with app.app_context():
        cfg = alembic_config()
        cfg.attributes["configure_logger"] = False
        command.upgrade(cfg, "head")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file, copied for every test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate(create_app(env=base_env(f"sqlite:///{path}")))
    return path


@pytest.fixture(scope="session")
def pg_url():
    """A dedicated PostgreSQL database for this run, migrated once and dropped at the end."""
    name = f"shippromise_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        yield exc
        return
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    migrate(create_app(env=base_env(url)))
    yield url
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_url")
    if isinstance(url, Exception):
        need_service("PostgreSQL", str(url).strip().splitlines()[0])
    yield url
    truncate_all(url)


def truncate_all(url: str) -> None:
    from shop_plugin.models import Base

    app = create_app(env=base_env(url))
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with app.extensions["database"].engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    app.extensions["database"].engine.dispose()


@pytest.fixture
def fake_shopify() -> FakeShopify:
    return FakeShopify()


@pytest.fixture
def make_app(database_url, fake_shopify):
    """Build an app on this test's database; keyword arguments become env or config overrides."""
    apps = []

    def factory(env: dict | None = None, **overrides):
        app = create_app({"SHOPIFY_TRANSPORT": fake_shopify.transport(), **overrides},
                         env=base_env(database_url, **(env or {})))
        apps.append(app)
        return app

    yield factory
    for app in apps:
        close_writer(app)
        app.extensions["database"].engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def redis_env():
    """Env for an app on real Redis, with a queue of its own that only this test deletes."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    conn = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        conn.ping()
    except RedisError as exc:
        need_service("Redis", str(exc))
    name = f"shippromise-test-{uuid.uuid4().hex[:12]}"
    yield {"REDIS_URL": REDIS_URL, "RQ_QUEUE": name}
    for queue in (name, name + "-low"):  # the app's queues: jobs.NORMAL's and jobs.LOW's
        Queue(queue, connection=conn).delete(delete_jobs=True)


class SmtpSink:
    """Collects what a real SMTP server (aiosmtpd) received."""

    def __init__(self) -> None:
        self.messages: list = []
        self.raw: list[bytes] = []  # as sent: what a mail client reads before any decoding

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes, policy

        self.raw.append(envelope.content)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port; yields (SMTP_URL, sink)."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", sink
    controller.stop()
