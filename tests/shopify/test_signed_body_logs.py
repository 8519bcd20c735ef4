"""A webhook's verification keeps the body out of shopifyapp's log record; the verdict is shopifyapp's."""
from __future__ import annotations

import json

from shopify_app import ShopifyApp
from shopify_app.verify import _body_hmac_in_header

from shop_plugin.shopify import signed_body_logs
from shop_plugin.shopify.adapters import webhook_req
from tests.support import OLD_SECRET, SECRET, SHOP, fixture, webhook_headers

BODY = json.dumps(fixture("orders_create.rest_fixture.json"))


def environ(headers: dict) -> dict:
    out = {"REQUEST_METHOD": "POST", "PATH_INFO": "/webhooks"}
    out.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    return out


def verify(headers: dict, body: str = BODY, old: str | None = None):
    signed_body_logs.install()
    return ShopifyApp(client_id="key", client_secret=SECRET, old_client_secret=old).verify_webhook_req(
        webhook_req(environ(headers), body))


def test_the_installed_hook_is_the_one_shopifyapp_calls():
    """An upgrade of shopifyapp that no longer looks the redaction up there fails here, not silently."""
    signed_body_logs.install()
    assert _body_hmac_in_header.redact_http_log is signed_body_logs.redact_without_body


def test_a_verified_webhook_is_recorded_without_its_body_and_with_its_signature_redacted():
    result = verify(webhook_headers("orders/create", BODY.encode()))
    assert result.ok and result.shop == SHOP.removesuffix(".myshopify.com")
    req = result.log.req
    assert req["body"] == f"[{len(BODY)} characters, not logged]"
    assert "customer" not in json.dumps(req) and "@" not in json.dumps(req)
    assert req["headers"]["X-Shopify-Hmac-Sha256"] == "[REDACTED]"
    assert req["headers"]["X-Shopify-Shop-Domain"] == SHOP
    assert (req["method"], req["url"]) == ("POST", "/webhooks")


def test_the_verdict_is_still_shopifyapps_own():
    headers = webhook_headers("orders/create", BODY.encode())
    assert not verify(headers, BODY + " ").ok
    assert verify(headers, BODY + " ").response.status == 401
    rotated = webhook_headers("orders/create", BODY.encode(), secret=OLD_SECRET)
    assert not verify(rotated).ok and verify(rotated, old=OLD_SECRET).ok
    unsigned = {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"}
    assert verify(unsigned).response.status == 400


def test_a_query_string_is_still_redacted_by_shopifyapp():
    record = signed_body_logs.redact_without_body(
        {"method": "POST", "headers": {}, "url": "https://x/webhooks?hmac=secret&a=1", "body": "{}"})
    assert record["url"] == "https://x/webhooks?hmac=[REDACTED]&a=1"
    assert record["body"] == "[2 characters, not logged]"


def test_other_verifications_keep_shopifyapps_redaction():
    """Token exchanges and the like can carry credentials in their bodies: left to shopifyapp."""
    from shopify_app.utils import redact_http_log
    from shopify_app.verify import app_proxy

    signed_body_logs.install()
    assert app_proxy.redact_http_log is redact_http_log
    record = redact_http_log({"method": "POST", "headers": {}, "url": "/", "body": '{"access_token": "t", "a": 1}'})
    assert json.loads(record["body"]) == {"access_token": "[REDACTED]", "a": 1}
