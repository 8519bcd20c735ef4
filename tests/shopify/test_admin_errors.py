"""What an Admin API refusal means for the job that made the call: wait, give up, or retry soon."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shop_plugin.effects.service import EffectRejected, RetryLater
from shop_plugin.shopify import admin
from shop_plugin.shops import service as shops
from tests.chaos.state import install_token
from tests.support import SHOP

DENIED = {"errors": [{"message": "Access denied for refundCreate field.",
                      "extensions": {"code": "ACCESS_DENIED"}}]}


def call(make_app, answer: httpx.Response):
    app = make_app(SHOPIFY_TRANSPORT=httpx.MockTransport(lambda request: answer))
    install_token(app, SHOP)
    with app.app_context():
        admin.graphql(shops.get(domain=SHOP), "mutation { refundCreate { refund { id } } }")


@pytest.mark.parametrize("answer", [httpx.Response(403, text="Forbidden"), httpx.Response(200, json=DENIED)],
                         ids=["http-403", "graphql-access-denied"])
def test_a_missing_permission_waits_an_hour_for_the_merchant_to_approve_it(make_app, answer):
    with pytest.raises(RetryLater, match="not approved a permission") as refused:
        call(make_app, answer)
    assert refused.value.after == timedelta(hours=1)


def test_a_malformed_request_is_given_up_at_once(make_app):
    with pytest.raises(EffectRejected, match="malformed"):
        call(make_app, httpx.Response(400, json={"errors": "Parse error on \"}\""}))


def test_other_graphql_errors_are_retried_on_the_usual_backoff(make_app):
    with pytest.raises(RuntimeError, match="graphql_errors"):
        call(make_app, httpx.Response(200, json={"errors": [{"message": "Internal error"}]}))
