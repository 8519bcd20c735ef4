"""Admin JSON API and App Home: verified by shopifyapp, scoped to the token's shop."""
from __future__ import annotations

from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.shops.models import Shop
from tests.support import OTHER_SHOP, SHOP, bearer, extension_token, fixture, session_token, signed_webhook

ORDER = fixture("orders_create.rest_fixture.json")


def test_the_order_api_answers_the_documented_shape(app, client):
    signed_webhook(client, "orders/create", ORDER)
    signed_webhook(client, "fulfillments/create", fixture("fulfillments_create.rest_fixture.json"))
    body = client.get(f"/api/orders/{ORDER['id']}", headers=bearer()).json
    assert body["id"] == ORDER["id"] and body["name"] == "#1001"
    assert body["total_price"] == "409.94" and body["currency"] == "USD"
    assert body["financial_status"] == "authorized" and body["tags"] == []
    assert body["updated_at"].endswith("Z")
    assert set(body["fulfillments"][0]) == {"id", "status", "shipment_status", "tracking_company",
                                            "tracking_number", "events"}


def test_a_shop_never_sees_another_shops_order(app, client):
    signed_webhook(client, "orders/create", ORDER, shop=SHOP)
    assert client.get(f"/api/orders/{ORDER['id']}", headers=bearer(SHOP)).status_code == 200
    assert client.get(f"/api/orders/{ORDER['id']}", headers=bearer(OTHER_SHOP)).status_code == 404


def test_two_shops_with_the_same_order_id_stay_apart(app, client):
    signed_webhook(client, "orders/create", dict(ORDER, email="a@alpha.test"), shop=SHOP)
    signed_webhook(client, "orders/create", dict(ORDER, email="b@beta.test"), shop=OTHER_SHOP)
    assert client.get(f"/api/orders/{ORDER['id']}", headers=bearer(SHOP)).json["email"] == "a@alpha.test"
    assert client.get(f"/api/orders/{ORDER['id']}", headers=bearer(OTHER_SHOP)).json["email"] == "b@beta.test"


def test_a_missing_order_is_404(app, client):
    assert client.get("/api/orders/999", headers=bearer()).status_code == 404


def test_the_api_rejects_missing_invalid_expired_and_foreign_tokens(app, client):
    url = f"/api/orders/{ORDER['id']}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401
    assert client.get(url, headers=bearer(ttl=-120)).status_code == 401
    assert client.get(url, headers=bearer(secret="another-apps-secret-0123456789abcdef")).status_code == 401
    assert client.get(url, headers=bearer(aud="another-app")).status_code == 401


def test_webhook_events_are_listed_for_the_shop_only(app, client):
    signed_webhook(client, "orders/create", ORDER, shop=SHOP, webhook_id="mine")
    signed_webhook(client, "orders/create", ORDER, shop=OTHER_SHOP, webhook_id="theirs")
    body = client.get("/api/webhook-events", headers=bearer(SHOP)).json
    assert [e["webhook_id"] for e in body["events"]] == ["mine"]
    assert set(body["events"][0]) == {"id", "webhook_id", "topic", "status", "attempts", "error", "received_at"}
    filtered = client.get("/api/webhook-events?webhook_id=theirs", headers=bearer(SHOP)).json
    assert filtered["events"] == []
    assert client.get("/api/webhook-events?status=processed&limit=1", headers=bearer()).json["events"]


def test_webhook_events_reject_bad_filters(app, client):
    assert client.get("/api/webhook-events?status=nope", headers=bearer()).status_code == 400
    assert client.get("/api/webhook-events?limit=0", headers=bearer()).status_code == 400
    assert client.get("/api/webhook-events?limit=abc", headers=bearer()).status_code == 400


def test_app_home_without_a_token_redirects_to_the_patch_page(app, client):
    response = client.get(f"/?shop={SHOP}&embedded=1")
    assert response.status_code == 302
    assert "/auth/patch-id-token" in response.headers["Location"]


def test_the_patch_id_token_page_is_shopifyapps(app, client):
    response = client.get(f"/auth/patch-id-token?shop={SHOP}&shopify-reload=%2F")
    assert response.status_code == 200
    assert "app-bridge" in response.get_data(as_text=True)


def test_app_home_installs_the_shop_and_sets_frame_ancestors(app, client, fake_shopify):
    response = client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors https://{SHOP} https://admin.shopify.com" in csp
    assert SHOP in response.get_data(as_text=True)
    assert len(fake_shopify.grants("urn:ietf:params:oauth:grant-type:token-exchange")) == 1
    with app.app_context():
        shop = session().scalars(select(Shop)).one()
        assert shop.is_installed


def test_app_home_rejects_a_forged_token(app, client):
    forged = session_token(secret="forged-secret-0123456789abcdef0123")
    response = client.get(f"/?shop={SHOP}&embedded=1&id_token={forged}")
    assert response.status_code in (302, 401)
    with app.app_context():
        assert session().scalars(select(Shop)).all() == []


def test_other_html_pages_cannot_be_framed_and_load_or_run_nothing(app, client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src" not in csp


def test_a_buyers_checkout_or_customer_account_token_opens_no_admin_api_or_page(app, client, fake_shopify):
    """Shopify signs extension session tokens with the same app secret, and they carry the same
    audience; shopifyapp's App Home check reads only signature, expiry and audience. A buyer can copy
    the token their thank-you page sends: it must not read orders or change the merchant's settings."""
    signed_webhook(client, "orders/create", ORDER)
    assert client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}").status_code == 200  # installed
    for sub in (None, "gid://shopify/Customer/1"):
        buyer = {"Authorization": f"Bearer {extension_token(sub=sub)}"}
        assert client.get(f"/api/orders/{ORDER['id']}", headers=buyer).status_code == 401
        assert client.put("/api/settings", json={"cutoff": "01:00"}, headers=buyer).status_code == 401
        assert client.get(f"/?shop={SHOP}&embedded=1&id_token={extension_token(sub=sub)}").status_code == 401
    assert client.get("/api/settings", headers=bearer()).json["version"] == 0  # never saved
    assert client.get(f"/api/orders/{ORDER['id']}", headers=bearer()).status_code == 200
