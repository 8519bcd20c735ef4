"""What each shopifyapp verifier is handed: what it reads, and no more (it redacts all it is given)."""
from __future__ import annotations

from flask import Flask, request

from shop_plugin.shopify.adapters import FORGED, extension_req, proxy_req

app = Flask(__name__)


def test_an_app_proxy_request_hands_over_its_path_with_the_raw_query_and_no_headers():
    with app.test_request_context("/proxy/promise?shop=a.myshopify.com&signature=abc&vendor=K%20Beauty",
                                  base_url="https://app.example", headers={"Cookie": "x=1", "X-Other": "y"}):
        req = proxy_req(request)
    assert req == {"method": "GET", "headers": {}, "body": "",
                   "url": "/proxy/promise?shop=a.myshopify.com&signature=abc&vendor=K%20Beauty"}


def test_a_non_ascii_proxy_signature_is_handed_over_as_one_that_never_matches():
    with app.test_request_context("/proxy/promise?shop=a.myshopify.com&signature=%C3%A9"):
        assert f"signature={FORGED}" in proxy_req(request)["url"]


def test_an_extension_request_hands_over_its_session_token_and_origin_only():
    headers = {"Authorization": "Bearer t", "Origin": "https://extensions.shopifycdn.com", "Cookie": "x=1"}
    with app.test_request_context("/api/checkout/promise?order_id=1&confirmation=WYRM1KLEJ", method="OPTIONS",
                                  base_url="https://app.example", headers=headers):
        req = extension_req(request)
    assert req["method"] == "OPTIONS" and req["body"] == ""
    assert req["headers"] == {"Authorization": "Bearer t", "Origin": "https://extensions.shopifycdn.com"}
    assert req["url"] == "https://app.example/api/checkout/promise"  # the buyer's confirmation number stays out
