"""The store simulator, checked against the real shopifyapp package and Shopify's payload samples."""
from __future__ import annotations

import base64
import dataclasses
import json
import re
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
import shopify_app
from shopify_app import verify_app_home_req, verify_webhook_req

from simulator import __main__ as cli
from simulator.delivery import sign
from tests.simulator.conftest import API_KEY, APP_URL, SECRET, SHOP, make_sim_app

CONFIG = {"client_id": API_KEY, "client_secret": SECRET, "old_client_secret": None}
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "shopify"
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
WEBHOOK_HEADERS = ("X-Shopify-Topic", "X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain", "X-Shopify-API-Version",
                   "X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Triggered-At")


def create_order(client, sim, **fields) -> int:
    form = {"product_id": sim.store.products[0]["id"], "quantity": "2", "country_code": "KR", "locale": "ko",
            "email": "buyer@example.com", "name": "Min-jun Kim", **fields}
    assert client.post("/orders", data=form).status_code == 302
    return max(sim.store.orders)


def as_shopify_request(sent: requests.PreparedRequest) -> dict:
    """How the app hands a received webhook to shopify_app: the raw body decoded as UTF-8."""
    return {"method": "POST", "headers": dict(sent.headers), "url": sent.url, "body": sent.body.decode()}


def sample(name: str) -> dict | None:
    path = SAMPLES / name
    return json.loads(path.read_text()) if path.exists() else None


def assert_same_types(ours: dict, real: dict | None) -> None:
    """Where both carry a value, it has the type Shopify's real payload has (string money, int ids...)."""
    for key, value in (real or {}).items():
        if value is not None and ours.get(key) is not None:
            assert type(ours[key]) is type(value), (key, ours[key], value)


def admin_id_token(client) -> tuple[str, dict]:
    location = client.get("/open-admin").headers["Location"]
    result = verify_app_home_req({"method": "GET", "headers": {}, "url": location, "body": ""}, CONFIG,
                                 "/auth/patch-id-token")
    assert result.ok, result.log
    return location, result.id_token


def test_sign_is_what_the_real_verifier_accepts():
    body = json.dumps({"id": 1, "name": "서울 · Jakarta"}, ensure_ascii=False).encode()
    request = {"method": "POST", "headers": {"X-Shopify-Hmac-Sha256": sign(body, SECRET),
                                             "X-Shopify-Shop-Domain": SHOP}, "url": "/webhooks", "body": body.decode()}
    assert verify_webhook_req(request, CONFIG).ok
    assert not verify_webhook_req({**request, "body": body.decode() + " "}, CONFIG).ok


def test_creating_an_order_delivers_a_signed_orders_create(sim_client, sim, app_endpoint):
    order_id = create_order(sim_client, sim)

    [sent] = app_endpoint.received
    assert sent.url == f"{APP_URL}/webhooks"
    assert all(sent.headers[name] for name in WEBHOOK_HEADERS)
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-Shopify-Topic"] == "orders/create"
    assert sent.headers["X-Shopify-Shop-Domain"] == SHOP
    assert sent.headers["X-Shopify-API-Version"] == "2026-10"
    assert sent.headers["X-Shopify-Triggered-At"].endswith("Z")
    verified = verify_webhook_req(as_shopify_request(sent), CONFIG)
    assert verified.ok and verified.shop == "dev-store"

    body = json.loads(sent.body)
    product = sim.store.products[0]
    assert body["id"] == order_id and body["admin_graphql_api_id"] == f"gid://shopify/Order/{order_id}"
    assert body["name"] == "#1001" and body["email"] == "buyer@example.com"
    assert ISO_WITH_OFFSET.match(body["created_at"]) and ISO_WITH_OFFSET.match(body["updated_at"])
    assert body["cancelled_at"] is None and body["fulfillment_status"] is None
    assert body["financial_status"] == "pending" and body["currency"] == "USD"
    assert body["total_price"] == "91.80" and body["customer_locale"] == "ko"
    assert body["customer"]["email"] == "buyer@example.com"
    assert (body["customer"]["first_name"], body["customer"]["last_name"]) == ("Min-jun", "Kim")
    [item] = body["line_items"]
    assert item["vendor"] == "Shenzhen Gadget Co" and item["sku"] == product["sku"]
    assert (item["product_id"], item["variant_id"], item["quantity"]) == (product["id"], product["variant_id"], 2)
    assert isinstance(item["id"], int) and item["price"] == "39.90" and item["title"] == product["title"]
    assert body["shipping_address"]["country_code"] == "KR" and body["shipping_lines"][0]["price"] == "12.00"
    assert isinstance(body["tags"], str) and body["order_status_url"].startswith(f"https://{SHOP}/")
    real = sample("orders_create.dev_store_2025.json")
    assert_same_types(body, real)
    assert_same_types(item, real and real["line_items"][0])


def test_ids_do_not_repeat_across_restarts(app_endpoint):
    before = int(time.time() * 1000)
    first, second = make_sim_app().extensions["simulator"], make_sim_app().extensions["simulator"]
    order_a, _ = first.store.create_order(first.store.products[0]["id"], 1, "US", "en", "a@example.com", "A B")
    order_b, _ = second.store.create_order(second.store.products[0]["id"], 1, "US", "en", "b@example.com", "B C")
    assert order_a.id >= before and order_b.id > order_a.id
    assert not {p["id"] for p in first.store.products} & {p["id"] for p in second.store.products}


def test_a_failed_delivery_is_retried_with_the_same_id_and_body(sim_client, sim, app_endpoint):
    app_endpoint.outcomes = [500, requests.ConnectionError("refused"), 200]
    create_order(sim_client, sim)

    assert len(app_endpoint.received) == 3
    assert len({r.headers["X-Shopify-Webhook-Id"] for r in app_endpoint.received}) == 1
    assert len({r.headers["X-Shopify-Event-Id"] for r in app_endpoint.received}) == 1
    assert len({r.body for r in app_endpoint.received}) == 1
    assert all(verify_webhook_req(as_shopify_request(r), CONFIG).ok for r in app_endpoint.received)
    attempts = sim.deliverer.attempts()
    assert [(a.number, a.status) for a in attempts] == [(3, 200), (2, None), (1, 500)]
    assert "refused" in attempts[1].error


def test_delivery_gives_up_after_the_last_retry(sim_client, sim, app_endpoint):
    app_endpoint.outcomes = [503] * 10
    create_order(sim_client, sim)
    assert len(app_endpoint.received) == 4
    assert sim.deliverer.attempts()[0].retry_in is None
    assert b"gave up" in sim_client.get("/").data


def test_background_delivery_answers_first_and_retries_later(app_endpoint):
    app = make_sim_app(SYNC_DELIVERY=False, RETRY_DELAYS=(0.05,))
    sim, client = app.extensions["simulator"], app.test_client()
    app_endpoint.outcomes = [500]
    create_order(client, sim)
    deadline = time.monotonic() + 5
    while len(sim.deliverer.attempts()) < 2 and time.monotonic() < deadline:  # logged after the app answered
        time.sleep(0.01)
    assert [a.status for a in sim.deliverer.attempts()] == [200, 500]
    assert len(app_endpoint.received) == 2


def test_fulfilment_and_event_send_the_topics_a_store_sends(sim_client, sim, app_endpoint):
    order_id = create_order(sim_client, sim)
    sim_client.post(f"/orders/{order_id}/pay")
    sim_client.post(f"/orders/{order_id}/fulfillments", data={"tracking_company": "UPS", "tracking_number": "1Z9"})
    fulfillment_id = sim.store.order(order_id).fulfillments[0].id
    sim_client.post(f"/fulfillments/{fulfillment_id}/events",
                    data={"status": "in_transit", "city": "Incheon", "estimated_delivery_at": "2030-01-05"})

    assert app_endpoint.topics() == [
        "orders/create", "orders/paid", "orders/updated", "fulfillments/create", "orders/fulfilled",
        "orders/updated", "fulfillment_events/create", "fulfillments/update"]
    [created] = app_endpoint.bodies("fulfillments/create")
    assert created["order_id"] == order_id and created["status"] == "success"
    assert created["tracking_company"] == "UPS" and created["tracking_number"] == "1Z9"
    assert created["tracking_numbers"] == ["1Z9"]
    assert created["tracking_url"] == created["tracking_urls"][0] and "1Z9" in created["tracking_url"]
    assert created["shipment_status"] is None and ISO_WITH_OFFSET.match(created["created_at"])
    assert_same_types(created, sample("fulfillments_create.rest_fixture.json"))
    [event] = app_endpoint.bodies("fulfillment_events/create")
    assert (event["fulfillment_id"], event["order_id"], event["status"]) == (fulfillment_id, order_id, "in_transit")
    assert event["city"] == "Incheon" and event["estimated_delivery_at"].startswith("2030-01-05T00:00:00")
    assert ISO_WITH_OFFSET.match(event["happened_at"])
    assert_same_types(event, sample("fulfillment_events_create.rest_fixture.json"))
    [updated] = app_endpoint.bodies("fulfillments/update")
    assert updated["id"] == fulfillment_id and updated["shipment_status"] == "in_transit"
    assert app_endpoint.bodies("orders/fulfilled")[0]["fulfillment_status"] == "fulfilled"


def test_every_change_moves_updated_at_forward(sim_client, sim, app_endpoint):
    order_id = create_order(sim_client, sim)
    sim_client.post(f"/orders/{order_id}/pay")
    sim_client.post(f"/orders/{order_id}/refunds", data={"amount": "5.00"})
    sim_client.post(f"/orders/{order_id}/refunds", data={"amount": "6.00"})
    sim_client.post(f"/orders/{order_id}/cancel")
    stamps = [datetime.fromisoformat(b["updated_at"]) for b in app_endpoint.bodies("orders/updated")]
    assert len(stamps) == 4 and all(a < b for a, b in zip(stamps, stamps[1:], strict=False))


def test_cancel_refund_and_disputes(sim_client, sim, app_endpoint):
    order_id = create_order(sim_client, sim)
    sim_client.post(f"/orders/{order_id}/pay")
    sim_client.post(f"/orders/{order_id}/refunds", data={"amount": "10.50", "note": "late"})
    sim_client.post(f"/orders/{order_id}/disputes", data={"type": "chargeback", "reason": "product_not_received"})
    dispute_id = sim.store.order(order_id).disputes[0]["id"]
    sim_client.post(f"/disputes/{dispute_id}/status", data={"status": "won"})
    sim_client.post(f"/orders/{order_id}/cancel")

    assert app_endpoint.topics()[3:] == ["refunds/create", "orders/updated", "disputes/create", "disputes/update",
                                         "orders/cancelled", "orders/updated"]
    [refund] = app_endpoint.bodies("refunds/create")
    assert refund["order_id"] == order_id and refund["note"] == "late" and refund["refund_line_items"] == []
    [txn] = refund["transactions"]
    assert (txn["amount"], txn["currency"], txn["kind"], txn["status"]) == ("10.50", "USD", "refund", "success")
    assert_same_types(refund, sample("refunds_create.rest_fixture.json"))
    assert app_endpoint.bodies("orders/updated")[1]["financial_status"] == "partially_refunded"
    [opened], [closed] = app_endpoint.bodies("disputes/create"), app_endpoint.bodies("disputes/update")
    assert (opened["order_id"], opened["type"], opened["amount"], opened["status"]) == (
        order_id, "chargeback", "91.80", "needs_response")
    assert ISO_WITH_OFFSET.match(opened["evidence_due_by"]) and opened["finalized_on"] is None
    assert_same_types(opened, sample("disputes_create.rest_fixture.json"))
    assert closed["status"] == "won" and closed["finalized_on"]
    assert app_endpoint.bodies("orders/cancelled")[0]["cancelled_at"]


def test_a_refused_change_is_shown_and_sends_nothing(sim_client, sim, app_endpoint):
    order_id = create_order(sim_client, sim)
    sim_client.post(f"/orders/{order_id}/refunds", data={"amount": "5"})
    assert app_endpoint.topics() == ["orders/create"]
    assert b"nothing to refund" in sim_client.get("/").data


def test_the_page_escapes_what_it_shows(sim_client, sim, app_endpoint):
    create_order(sim_client, sim, name="<script>alert(1)</script> Kim")
    page = sim_client.get("/").data
    assert b"<script>" not in page and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_admin_link_opens_the_app_with_a_verified_id_token(sim_client):
    location, id_token = admin_id_token(sim_client)
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}" == APP_URL
    assert query["shop"] == SHOP and query["embedded"] == "1"
    assert base64.b64decode(query["host"] + "==") == b"admin.shopify.com/store/dev-store"
    claims = id_token.claims
    assert (claims["iss"], claims["dest"], claims["aud"], claims["sub"]) == (
        f"https://{SHOP}/admin", f"https://{SHOP}", API_KEY, "1")
    assert claims["exp"] - claims["iat"] == 60 and claims["iat"] - claims["nbf"] == 5


def test_token_exchange_refresh_and_graphql_through_shopify_app(sim_client, shop_http):
    _, id_token = admin_id_token(sim_client)
    exchanged = shopify_app.token_exchange("offline", CONFIG, id_token=id_token, expiring=True, http_client=shop_http)
    assert exchanged.ok, exchanged.log
    token = exchanged.access_token
    assert token.token.startswith("shpat_") and token.refresh_token and token.expires and token.refresh_token_expires

    shop = shopify_app.admin_graphql_request("{ shop { id name myshopifyDomain } }", shop="dev-store",
                                             access_token=token.token, api_version="2026-10", http_client=shop_http)
    assert shop.ok and shop.data["shop"]["myshopifyDomain"] == SHOP
    assert shop.extensions["cost"]["throttleStatus"]["maximumAvailable"] == 2000.0

    due = dataclasses.replace(token, expires="2000-01-01T00:00:00Z")
    refreshed = shopify_app.refresh_access_token(due, CONFIG, http_client=shop_http)
    assert refreshed.ok, refreshed.log
    assert refreshed.access_token.token != token.token and refreshed.access_token.refresh_token != token.refresh_token
    again = shopify_app.refresh_access_token(due, CONFIG, http_client=shop_http)
    assert not again.ok and again.log.code == "invalid_grant"

    raw = shop_http.post(f"https://{SHOP}/admin/oauth/access_token", json={
        "client_id": API_KEY, "client_secret": SECRET, "grant_type": "refresh_token",
        "refresh_token": token.refresh_token})
    assert raw.status_code == 400 and raw.json()["error"] == "invalid_grant"


def test_token_exchange_refuses_bad_tokens_and_clients(sim_client, shop_http):
    _, id_token = admin_id_token(sim_client)
    forged = dataclasses.replace(id_token, token=id_token.token[:-2] + "xx")
    result = shopify_app.token_exchange("offline", CONFIG, id_token=forged, http_client=shop_http)
    assert not result.ok and result.log.code == "invalid_subject_token"
    wrong_client = {**CONFIG, "client_secret": "nope"}
    result = shopify_app.token_exchange("offline", wrong_client, id_token=id_token, http_client=shop_http)
    assert not result.ok and result.log.code == "invalid_client"
    permanent = shopify_app.token_exchange("offline", CONFIG, id_token=id_token, expiring=False, http_client=shop_http)
    assert permanent.ok and permanent.access_token.refresh_token is None and permanent.access_token.expires is None


def test_graphql_refuses_unknown_and_expired_tokens(sim, shop_http):
    url = f"https://{SHOP}/admin/api/2026-10/graphql.json"
    answer = shop_http.post(url, json={"query": "{ shop { id } }"}, headers={"X-Shopify-Access-Token": "shpat_nope"})
    assert answer.status_code == 401
    assert answer.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}

    token = sim.tokens.issue(SHOP, "read_orders", expiring=True)["access_token"]
    assert shop_http.post(url, json={"query": "{ shop { id } }"}, headers={"X-Shopify-Access-Token": token}).is_success
    sim.tokens.clock = lambda: time.time() + 3601
    result = shopify_app.admin_graphql_request("{ shop { id } }", shop="dev-store", access_token=token,
                                               api_version="2026-10", http_client=shop_http)
    assert not result.ok and result.response.status == 401


def test_another_shop_is_not_found(sim, shop_http):
    token = sim.tokens.issue(SHOP, "read_orders", expiring=False)["access_token"]
    answer = shop_http.post("http://127.0.0.1:9100/admin/api/2026-10/graphql.json", json={"query": "{ shop { id } }"},
                            headers={"X-Shopify-Access-Token": token, "X-Forwarded-Host": "other.myshopify.com"})
    assert answer.status_code == 404


def graphql(shop_http, sim, query: str, **variables) -> dict:
    token = sim.tokens.issue(SHOP, "read_orders,write_orders", expiring=False)["access_token"]
    result = shopify_app.admin_graphql_request(query, shop="dev-store", access_token=token, api_version="2026-10",
                                               variables=variables or None, http_client=shop_http)
    assert result.response.status == 200
    return json.loads(result.response.body)


ORDERS = """query Orders($after: String, $since: String) {
  orders(first: 2, after: $after, query: $since, sortKey: UPDATED_AT) {
    edges { cursor node { id legacyResourceId name updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def test_graphql_orders_pages_and_filters_by_updated_at(sim_client, sim, shop_http, app_endpoint):
    ids = [create_order(sim_client, sim) for _ in range(3)]
    first = graphql(shop_http, sim, ORDERS)
    assert first["extensions"]["cost"]["requestedQueryCost"] == 4
    assert set(first["extensions"]["cost"]["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable",
                                                                  "restoreRate"}
    page = first["data"]["orders"]
    assert [e["node"]["legacyResourceId"] for e in page["edges"]] == [str(i) for i in ids[:2]]
    assert page["pageInfo"]["hasNextPage"]
    rest = graphql(shop_http, sim, ORDERS, after=page["pageInfo"]["endCursor"])["data"]["orders"]
    assert [e["node"]["id"] for e in rest["edges"]] == [f"gid://shopify/Order/{ids[2]}"]
    assert not rest["pageInfo"]["hasNextPage"]

    sim_client.post(f"/orders/{ids[0]}/pay")
    since = sim.store.order(ids[0]).updated_at.isoformat()
    changed = graphql(shop_http, sim, ORDERS, since=f"updated_at:>='{since}'")["data"]["orders"]["edges"]
    # Timestamps have whole seconds, so an order created in the same second also matches, as on Shopify.
    assert f"#{sim.store.order(ids[0]).number}" in [e["node"]["name"] for e in changed]
    floor = sim.store.order(ids[0]).updated_at
    assert all(sim.store.order(int(e["node"]["legacyResourceId"])).updated_at >= floor for e in changed)
    assert changed[0]["node"]["updatedAt"].endswith("Z")


def test_graphql_nodes_gives_product_tags(sim, shop_http):
    from shop_plugin.promises.product_tags import QUERY

    product = sim.store.products[0]
    ids = [f"gid://shopify/Product/{product['id']}", "gid://shopify/Product/999999999",
           f"gid://shopify/Shop/{sim.shop.id}"]
    nodes = graphql(shop_http, sim, QUERY, ids=ids)["data"]["nodes"]
    assert nodes == [{"id": ids[0], "tags": [t.strip() for t in product["tags"].split(",")]}, None, {}]


def test_graphql_mutations(sim_client, sim, shop_http, app_endpoint):
    order_id = create_order(sim_client, sim)
    sim_client.post(f"/orders/{order_id}/pay")
    owner = f"gid://shopify/Order/{order_id}"
    saved = graphql(shop_http, sim, """mutation Set($metafields: [MetafieldsSetInput!]!) {
      metafieldsSet(metafields: $metafields) { metafields { id key value } userErrors { field message } }
    }""", metafields=[{"ownerId": owner, "namespace": "shippromise", "key": "promise", "type": "json",
                       "value": '{"days": 7}'}])["data"]["metafieldsSet"]
    assert saved["userErrors"] == [] and saved["metafields"][0]["value"] == '{"days": 7}'
    assert sim.metafields.for_owner(owner)[0]["key"] == "promise"

    refunded = graphql(shop_http, sim, f"""mutation {{
      refundCreate(input: {{orderId: "{owner}", note: "Delayed", transactions: [
        {{amount: "4.00", gateway: "manual", kind: REFUND, orderId: "{owner}"}}]}}) @idempotent(key: "k1") {{
        refund {{ id }} userErrors {{ field message }}
      }}
    }}""")["data"]["refundCreate"]
    assert refunded["userErrors"] == [] and refunded["refund"]["id"].startswith("gid://shopify/Refund/")
    assert app_endpoint.bodies("refunds/create")[0]["transactions"][0]["amount"] == "4.00"
    missing = graphql(shop_http, sim, 'mutation { refundCreate(input: {orderId: "gid://shopify/Order/1"}) '
                                      "{ refund { id } userErrors { field message } } }")["data"]["refundCreate"]
    assert missing["refund"] is None and missing["userErrors"]


def test_graphql_errors_and_throttling(sim, shop_http):
    assert "doesn't exist" in graphql(shop_http, sim, "{ products(first: 1) { edges { node { id } } } }")[
        "errors"][0]["message"]
    assert graphql(shop_http, sim, "{ shop { id ")["errors"]
    sim.throttle.available = 5.0
    throttled = graphql(shop_http, sim, "{ orders(first: 50) { edges { node { id } } } }")
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_command_line_and_environment(monkeypatch, capsys):
    served = {}
    monkeypatch.setattr(cli, "run_simple", lambda host, port, app, **kw: served.update(
        host=host, port=port, app=app, **kw))
    monkeypatch.setenv("SHOPIFY_API_KEY", "key-from-env")
    monkeypatch.delenv("SHOPIFY_API_SECRET", raising=False)
    cli.main(["--port", "9200", "--shop", "other-store", "--app-url", "http://127.0.0.1:8001/"])
    config = served["app"].config
    assert (served["port"], served["threaded"]) == (9200, True)
    assert (config["SHOP"], config["APP_URL"], config["API_KEY"], config["API_SECRET"], config["API_VERSION"]) == (
        "other-store.myshopify.com", "http://127.0.0.1:8001", "key-from-env", "dev-api-secret", "2026-10")
    assert "http://127.0.0.1:9200/" in capsys.readouterr().out
