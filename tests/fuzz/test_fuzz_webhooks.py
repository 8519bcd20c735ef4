"""Fuzzing POST /webhooks: nothing unauthenticated is ever stored, nothing answers 5xx, and every
authenticated delivery is stored once and settled (never left holding a worker's lease)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from tests.fuzz.inputs import bodies, count, forged_hmacs, header_text, headers, hmac_for, json_bodies, topics
from tests.fuzz.profiles import FUZZ
from tests.support import SHOP, webhook_headers

SETTLED = {"processed", "ignored", "failed", "dead"}


@FUZZ
@given(extra=headers, body=bodies, forged=forged_hmacs, method=st.sampled_from(["POST", "PUT", "GET"]))
def test_unauthenticated_deliveries_are_refused_and_never_stored(fuzz_app, extra, body, forged, method):
    sent = {**webhook_headers("orders/create", body), **extra}
    sent.pop("X-Shopify-Hmac-Sha256")
    sent.pop("Shopify-Hmac-Sha256", None)
    if (value := hmac_for(forged, body)) is not None:
        sent["X-Shopify-Hmac-Sha256"] = value
    before = count(fuzz_app, WebhookEvent)
    answer = fuzz_app.test_client().open("/webhooks", method=method, data=body, headers=sent)
    assert 400 <= answer.status_code < 500
    assert count(fuzz_app, WebhookEvent) == before


@FUZZ
@given(topic=topics, body=json_bodies, webhook_id=header_text, shop=header_text | st.just(SHOP),
       extra=st.dictionaries(st.sampled_from(["X-Shopify-API-Version", "X-Shopify-Triggered-At",
                                              "X-Shopify-Event-Id", "X-Shopify-Name"]), header_text, max_size=4))
def test_signed_deliveries_are_stored_once_and_settled(fuzz_app, topic, body, webhook_id, shop, extra):
    sent = {**webhook_headers(topic, body, shop, webhook_id or "x"), **extra,
            "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-Shop-Domain": shop}
    before = count(fuzz_app, WebhookEvent)
    client = fuzz_app.test_client()
    answers = [client.post("/webhooks", data=body, headers=sent).status_code for _ in range(2)]
    assert answers[0] == answers[1] and answers[0] in (200, 400), answers
    with fuzz_app.app_context():
        stored = list(session().scalars(select(WebhookEvent).where(WebhookEvent.webhook_id == webhook_id)))
    if answers[0] == 400:
        assert count(fuzz_app, WebhookEvent) == before
        return
    assert count(fuzz_app, WebhookEvent) <= before + 1
    assert stored and all(e.status in SETTLED for e in stored), [(e.status, e.error) for e in stored]


def test_a_non_ascii_hmac_header_is_refused_not_a_server_error(fuzz_app):
    """shopifyapp's compare_digest raises TypeError on non-ASCII text; a forged signature is just wrong."""
    body = b'{"id": 1}'
    for name in ("X-Shopify-Hmac-Sha256", "Shopify-Hmac-Sha256"):
        sent = webhook_headers("orders/create", body)
        sent.pop("X-Shopify-Hmac-Sha256")
        sent[name] = "é" * 44
        assert fuzz_app.test_client().post("/webhooks", data=body, headers=sent).status_code == 401


def test_a_header_too_long_to_store_is_a_bad_request_not_a_retry(fuzz_app):
    """PostgreSQL refuses a value longer than its column; Shopify must not retry that for hours."""
    body = b'{"id": 1}'
    for header, length in (("X-Shopify-API-Version", 21), ("X-Shopify-Webhook-Id", 256), ("X-Shopify-Topic", 101)):
        sent = {**webhook_headers("orders/create", body), header: "9" * length}
        answer = fuzz_app.test_client().post("/webhooks", data=body, headers=sent)
        assert answer.status_code == 400 and header in answer.json["error"]
