"""Fixtures for failure tests: a per-test deadline, a Redis server of our own, a real HTTP Shopify."""
from __future__ import annotations

import shutil
import signal

import pytest

from tests.chaos.harness import RedisServer
from tests.chaos.shopify_server import ShopifyServer
from tests.conftest import need_service

TEST_DEADLINE_SECONDS = 300


@pytest.fixture(autouse=True)
def deadline():
    """A hung subprocess or socket fails the test instead of blocking CI; fixtures still clean up."""
    def expired(_signum, _frame):
        raise TimeoutError(f"chaos test still running after {TEST_DEADLINE_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_DEADLINE_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server only this test uses, so it can be stopped and started again."""
    if shutil.which("redis-server") is None:
        need_service("Redis", "redis-server is not installed")
    server = RedisServer(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def shopify_server():
    server = ShopifyServer()
    yield server
    server.close()
