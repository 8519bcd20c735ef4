"""The hot-path verifications keep bodies out of shopifyapp's log record and redact as shopifyapp does;
the verdict is shopifyapp's."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from shopify_app import ShopifyApp
from shopify_app.utils import redact as shopifyapp_redaction
from shopify_app.verify import _body_hmac_in_header, _non_exchangeable_id_token, app_proxy

from shop_plugin.shopify import verification_logs
from shop_plugin.shopify.adapters import webhook_req
from tests.support import API_KEY, OLD_SECRET, SECRET, SHOP, extension_token, fixture, proxy_query, webhook_headers

BODY = json.dumps(fixture("orders_create.rest_fixture.json"))


def environ(headers: dict) -> dict:
    out = {"REQUEST_METHOD": "POST", "PATH_INFO": "/webhooks"}
    out.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    return out


def verifier(old: str | None = None) -> ShopifyApp:
    verification_logs.install()
    return ShopifyApp(client_id=API_KEY, client_secret=SECRET, old_client_secret=old)


def verify(headers: dict, body: str = BODY, old: str | None = None):
    return verifier(old).verify_webhook_req(webhook_req(environ(headers), body))


def test_the_installed_hooks_are_the_ones_shopifyapp_calls():
    """An upgrade of shopifyapp that no longer looks the redaction up there fails here, not silently."""
    verification_logs.install()
    for module in (_body_hmac_in_header, _non_exchangeable_id_token, app_proxy):
        assert module.redact_http_log is verification_logs.redact_for_log, module.__name__


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


def test_the_storefront_verifications_record_the_request_with_its_secrets_redacted():
    proxy = verifier().verify_app_proxy_req(
        {"method": "GET", "headers": {}, "url": "/proxy/promise?" + proxy_query({"country": "KR"}), "body": ""})
    assert proxy.ok and proxy.log.req["body"] == ""
    assert "signature=[REDACTED]" in proxy.log.req["url"] and "country=KR" in proxy.log.req["url"]
    token = extension_token()
    checkout = verifier().verify_checkout_ui_ext_req(
        {"method": "GET", "headers": {"Authorization": f"Bearer {token}"}, "url": "https://x/api", "body": ""})
    assert checkout.ok and checkout.log.req == {
        "method": "GET", "headers": {"Authorization": "[REDACTED]"}, "url": "https://x/api", "body": ""}
    forged = verifier().verify_checkout_ui_ext_req(
        {"method": "GET", "headers": {"Authorization": f"Bearer {token}x"}, "url": "https://x/api", "body": ""})
    assert not forged.ok and forged.response.status == 401 and token not in json.dumps(forged.log.req)


URL_PARTS = st.sampled_from(["?", "&", "=", "a", "/", "%", "signature", "SIGNATURE", "hmac", "id_token", "Hmac",
                             "[REDACTED]", "x=1", "é"])


@given(st.lists(URL_PARTS, max_size=14).map("".join))
def test_a_url_is_redacted_exactly_as_shopifyapp_redacts_it(url):
    assert verification_logs.redact_url(url) == shopifyapp_redaction._sanitize_url(url)


def test_other_verifications_keep_shopifyapps_redaction():
    """Token exchanges and the like can carry credentials in their bodies: left to shopifyapp."""
    from shopify_app.utils import redact_http_log
    from shopify_app.verify import app_home_req

    verification_logs.install()
    assert app_home_req.redact_http_log is redact_http_log
    record = redact_http_log({"method": "POST", "headers": {}, "url": "/", "body": '{"access_token": "t", "a": 1}'})
    assert json.loads(record["body"]) == {"access_token": "[REDACTED]", "a": 1}
