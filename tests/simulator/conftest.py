"""Fixtures for the store simulator: synchronous delivery, and the app's webhook URL faked with `responses`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx
import pytest
import requests
import responses

from simulator import create_simulator_app

SHOP = "dev-store.myshopify.com"
APP_URL = "https://shippromise.test"
WEBHOOK_URL = f"{APP_URL}/webhooks"
API_KEY = "sim-test-key"
SECRET = "sim-test-secret-long-enough-for-hs256"


@dataclass
class FakeAppEndpoint:
    """The app's /webhooks: answers each post with the next scripted outcome (then 200) and keeps the posts."""

    outcomes: list[int | Exception] = field(default_factory=list)
    received: list[requests.PreparedRequest] = field(default_factory=list)

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict, str]:
        self.received.append(request)
        outcome = self.outcomes.pop(0) if self.outcomes else 200
        if isinstance(outcome, Exception):
            raise outcome
        return outcome, {}, ""

    def topics(self) -> list[str]:
        return [r.headers["X-Shopify-Topic"] for r in self.received]

    def bodies(self, topic: str) -> list[dict]:
        return [json.loads(r.body) for r in self.received if r.headers["X-Shopify-Topic"] == topic]


def make_sim_app(**overrides):
    return create_simulator_app({
        "SHOP": SHOP, "APP_URL": APP_URL, "API_KEY": API_KEY, "API_SECRET": SECRET,
        "SYNC_DELIVERY": True, "RETRY_DELAYS": (0, 0, 0), **overrides,
    })


@pytest.fixture
def app_endpoint():
    endpoint = FakeAppEndpoint()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, WEBHOOK_URL, callback=endpoint)
        yield endpoint


@pytest.fixture
def sim_app(app_endpoint):
    return make_sim_app()


@pytest.fixture
def sim(sim_app):
    return sim_app.extensions["simulator"]


@pytest.fixture
def sim_client(sim_app):
    return sim_app.test_client()


@pytest.fixture
def shop_http(sim_app):
    """What the app's HTTP client would be: every https://dev-store.myshopify.com call lands on the simulator."""
    with httpx.Client(transport=httpx.WSGITransport(app=sim_app)) as client:
        yield client
