"""Odd input the contract run found answering 500: each now gets a 4xx that says what is wrong."""
from __future__ import annotations

import pytest

from tests.api_contract.seed import seed
from tests.support import bearer


@pytest.mark.parametrize("path", [
    "/api/orders/9223372036854775808", "/api/disputes/99999999999999999999/evidence", "/api/tickets/2147483648",
])
def test_an_id_beyond_its_columns_range_is_not_found(client, path):
    response = client.get(path, headers=bearer())
    assert response.status_code == 404 and "error" in response.json


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_an_id_beyond_range_is_404_on_paths_that_allow_several_methods(client, method):
    assert getattr(client, method)("/api/canned-replies/2147483648", json={}, headers=bearer()).status_code == 404


def test_api_errors_are_json_and_pages_keep_html(client):
    wrong_method = client.delete("/api/tickets", headers=bearer())
    assert wrong_method.status_code == 405 and wrong_method.json["error"] and "GET" in wrong_method.headers["Allow"]
    assert client.get("/api/no-such-thing").json["error"]
    assert client.get("/no-such-page").mimetype == "text/html"


@pytest.mark.parametrize("query", ["order_id=9223372036854775808", "order_id=%C2%B2"])
def test_refund_prompts_reject_an_order_id_that_is_no_shopify_id(client, query):
    assert client.get(f"/api/refund-prompts?{query}", headers=bearer()).status_code == 400


@pytest.mark.parametrize(("action", "body"), [
    ("accept", [None, None]), ("accept", {"amount": [1, 2]}), ("accept", {"amount": "NaN"}),
    ("accept", {"amount": "sNaN"}), ("accept", {"note": {"x": 1}}), ("accept", {"note": "a\x00b"}),
    ("dismiss", [1]), ("dismiss", {"reason": "a\x00b"}),
])
def test_a_refund_decision_with_a_wrong_body_is_422(app, client, action, body):
    seed(app)
    [prompt] = client.get("/api/refund-prompts", headers=bearer()).json["prompts"]
    response = client.post(f"/api/refund-prompts/{prompt['id']}/{action}", json=body, headers=bearer())
    assert response.status_code == 422 and response.json["error"]
    assert client.get("/api/refund-prompts", headers=bearer()).json["prompts"][0]["status"] == "pending"


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "١٢٣٤-01"])
def test_the_dispute_ratio_takes_only_ascii_months_from_1970(client, month):
    response = client.get(f"/api/disputes/ratio?month={month}", headers=bearer())
    assert response.status_code == 400 and set(response.json["errors"]) == {"month"}


def test_webhook_events_reject_a_limit_that_only_looks_like_a_number(client):
    assert client.get("/api/webhook-events?limit=%C2%B2", headers=bearer()).status_code == 400
