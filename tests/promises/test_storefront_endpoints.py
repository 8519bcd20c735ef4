"""The storefront endpoints as HTTP: they are served in front of Flask's routing, so what Flask would
give every response (methods, HEAD, security headers, error answers) is theirs to give."""
from __future__ import annotations

import pytest

from shop_plugin.promises import storefront
from tests.promises.test_storefront import checkout, install
from tests.support import extension_token, proxy_query

SECURITY = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}


def product_page(client, method: str = "GET"):
    return client.open("/proxy/promise?" + proxy_query({"country": "KR", "locale": "en"}), method=method)


def test_head_answers_the_headers_of_get_without_a_body(client):
    install(client)
    got, head = product_page(client), product_page(client, "HEAD")
    assert got.status_code == head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"] == str(len(got.data))
    assert head.headers["Cache-Control"] == got.headers["Cache-Control"] == "private, max-age=300"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused_with_the_allowed_ones(client, method):
    proxy = client.open("/proxy/promise", method=method)
    assert proxy.status_code == 405 and proxy.json == {"error": "method not allowed"}
    assert proxy.headers["Allow"] == "GET, HEAD"
    extension = client.open("/api/checkout/promise?order_id=1", method=method,
                            headers={"Authorization": f"Bearer {extension_token()}"})
    assert extension.status_code == 405 and extension.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert extension.headers["Access-Control-Allow-Origin"] == "*"  # the page can read why


def test_every_answer_carries_the_apps_security_headers(client):
    install(client)
    answers = {
        "promise": product_page(client),
        "unsigned": client.get("/proxy/promise?shop=alpha-store.myshopify.com"),
        "not installed": client.get("/proxy/promise?" + proxy_query({}, shop="nobody.myshopify.com")),
        "refused method": client.post("/proxy/promise"),
        "checkout": checkout(client, "order_id=1"),
        "bad order id": checkout(client, "order_id=nope"),
        "bad token": checkout(client, "order_id=1", token="garbage"),
        "preflight": client.options("/api/checkout/promise", headers={"Origin": "https://extensions.shopifycdn.com"}),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "promise": 200, "unsigned": 401, "not installed": 404, "refused method": 405, "checkout": 200,
        "bad order id": 422, "bad token": 401, "preflight": 204}
    for name, response in answers.items():
        assert {k: response.headers.get(k) for k in SECURITY} == SECURITY, name


def test_a_database_that_cannot_be_reached_is_a_503_to_retry_not_a_500(make_app, database_url, tmp_path):
    """The shop is not in this process's cache, so the endpoint must read it: the page may retry."""
    broken = (f"sqlite:///{tmp_path}/missing-dir/db.sqlite3" if database_url.startswith("sqlite")
              else "postgresql://postgres@127.0.0.1:1/nowhere")
    client = make_app(env={"DATABASE_URL": broken}).test_client()
    for response in (product_page(client), checkout(client, "order_id=1")):
        assert response.status_code == 503 and response.json == {"error": "temporarily unavailable"}
        assert response.headers["Retry-After"] == "5"


def _fails(**_kwargs):
    raise RuntimeError("window failed")


def _not_json(**_kwargs):
    return {"window": RuntimeError("window failed")}  # the body itself cannot be written as JSON


@pytest.mark.parametrize("broken", [_fails, _not_json])
def test_an_unexpected_error_is_a_json_500_and_is_logged(make_app, monkeypatch, caplog, broken):
    client = make_app(PROPAGATE_EXCEPTIONS=False).test_client()
    install(client)
    monkeypatch.setattr(storefront, "for_now", broken)
    response = product_page(client)
    assert response.status_code == 500 and response.json == {"error": "internal error"}
    assert any(r.exc_info and r.getMessage() == "storefront endpoint failed" for r in caplog.records)


def test_in_tests_an_unexpected_error_reaches_the_caller(client, monkeypatch):
    install(client)
    monkeypatch.setattr(storefront, "for_now", lambda **_kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        product_page(client)
