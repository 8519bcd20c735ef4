"""The promise where customers look: thank-you / order-status extensions and the app proxy."""
from __future__ import annotations

from tests.support import OTHER_SHOP, SHOP, bearer, extension_token, fixture, proxy_query, session_token, signed_webhook

ORDER = dict(fixture("orders_create.rest_fixture.json"), created_at="2026-11-24T10:00:00+09:00", customer_locale="ko",
             confirmation_number="WYRM1KLEJ")
BUYER = f"confirmation={ORDER['confirmation_number']}"  # what the thank-you and order status pages send
RULES = {"timezone": "Asia/Seoul", "transit": [{"countries": ["KR"], "days": [2, 4]}],
         "suppliers": [{"vendor": "Slow Co", "processing_days": [10, 12]}, {"tag": "made-to-order",
                                                                           "processing_days": [15, 20]}],
         "policies": {"refund": {"en": "Full refunds.", "ko": "전액 환불."},
                      "customs": {"countries": ["KR"], "text": {"en": "<b>Duties</b> may apply."}}}}


def install(client, shop="alpha-store.myshopify.com"):
    assert client.get(f"/?shop={shop}&embedded=1&id_token={session_token(shop)}").status_code == 200
    client.put("/api/settings", json=RULES, headers=bearer(shop))


def checkout(client, query: str, token: str | None = None, surface: str = ""):
    headers = {"Authorization": f"Bearer {token or extension_token()}", "Origin": "https://extensions.shopifycdn.com"}
    return client.get(f"/api/checkout/promise?{query}{surface}", headers=headers)


def test_the_thank_you_page_gets_the_stored_promise(client):
    install(client)
    signed_webhook(client, "orders/create", ORDER)
    response = checkout(client, f"order_id=gid://shopify/Order/{ORDER['id']}&{BUYER}", token=extension_token(sub=None))
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json
    assert body["provisional"] is False and body["locale"] == "ko" and "발송" in body["text"]
    assert body["ship_by"] == client.get(f"/api/orders/{ORDER['id']}", headers=bearer()).json["promise"]["ship_by"]


def test_before_the_webhook_arrives_the_page_gets_a_provisional_window(client):
    install(client)
    body = checkout(client, "order_id=424242&country=KR&locale=id").json
    assert body["provisional"] is True and "Dikirim" in body["text"] and body["deliver_to"]


def test_the_order_status_page_is_verified_as_a_customer_account_extension(client):
    install(client)
    signed_webhook(client, "orders/create", ORDER)
    body = checkout(client, f"order_id={ORDER['id']}&locale=en&{BUYER}", surface="&surface=order-status").json
    assert {"kind": "refund", "text": "Full refunds."} in body["policies"]


def test_a_page_that_does_not_prove_it_is_the_buyers_gets_only_the_provisional_window(client):
    """Order ids run in sequence: with the id alone anyone could read another customer's dates. The same
    answer as for an order not yet stored, so it does not tell which orders exist either."""
    install(client)
    signed_webhook(client, "orders/create", ORDER)
    guest = extension_token(sub=None)
    stranger = extension_token(sub="gid://shopify/Customer/999")
    not_stored = checkout(client, "order_id=424242&country=KR", token=guest).json
    for query, token in ((f"order_id={ORDER['id']}&country=KR", guest),
                         (f"order_id={ORDER['id']}&country=KR&confirmation=WYRM1KLEX", guest),
                         (f"order_id={ORDER['id']}&country=KR", stranger),
                         (f"order_id={ORDER['id']}&country=KR&confirmation=", stranger),
                         (f"order_id={ORDER['id']}&country=KR&confirmation=%C3%89", guest)):  # not ASCII: no 500
        body = checkout(client, query, token=token).json
        assert body == not_stored and body["provisional"] is True, query
    assert checkout(client, f"order_id={ORDER['id']}&confirmation=wyrm1klej", token=guest).json["provisional"] is False


def test_the_logged_in_customer_needs_no_confirmation_number(client):
    install(client)
    signed_webhook(client, "orders/create", ORDER)
    mine = extension_token(sub=f"gid://shopify/Customer/{ORDER['customer']['id']}")
    body = checkout(client, f"order_id={ORDER['id']}", token=mine, surface="&surface=order-status").json
    assert body["provisional"] is False and "발송" in body["text"]
    not_a_customer = extension_token(sub=f"gid://shopify/Order/{ORDER['customer']['id']}")
    assert checkout(client, f"order_id={ORDER['id']}", token=not_a_customer).json["provisional"] is True


def test_the_preflight_answers_cors(client):
    response = client.options("/api/checkout/promise?order_id=1",
                              headers={"Origin": "https://extensions.shopifycdn.com"})
    assert response.status_code == 204
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_extension_requests_need_a_valid_token(client):
    install(client)
    assert checkout(client, "order_id=1", token="garbage").status_code == 401
    assert checkout(client, "order_id=1", token=extension_token(secret="x" * 40)).status_code == 401
    assert checkout(client, "order_id=1", token=extension_token(ttl=-120)).status_code == 401
    assert checkout(client, "order_id=nope").status_code == 422


def test_a_shop_never_reads_another_shops_order_promise(client):
    install(client)
    install(client, OTHER_SHOP)
    signed_webhook(client, "orders/create", ORDER)
    other = checkout(client, f"order_id={ORDER['id']}&country=KR&{BUYER}", token=extension_token(OTHER_SHOP)).json
    assert other["provisional"] is True


def test_the_product_page_gets_a_window_for_an_order_placed_now(client):
    install(client)
    body = client.get("/proxy/promise?" + proxy_query({"product_id": "1", "country": "KR", "locale": "ko"})).json
    assert body["ship_by"] and body["deliver_to"] and "발송" in body["text"] and body["locale"] == "ko"
    slow = client.get("/proxy/promise?" + proxy_query({"country": "KR", "vendor": "Slow Co"})).json
    made = client.get("/proxy/promise?" + proxy_query({"country": "KR", "tags": "sale,made-to-order"})).json
    assert slow["ship_by"] > body["ship_by"] and made["ship_by"] > slow["ship_by"]


def test_a_vendor_with_commas_arrives_whole_and_matches_its_supplier_rule(client):
    install(client)
    client.put("/api/settings", json={**RULES, "suppliers": [{"vendor": "Acme, Inc.", "processing_days": [10, 12]}]},
               headers=bearer())
    plain = client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json
    acme = client.get("/proxy/promise?" + proxy_query({"country": "KR", "vendor": "Acme, Inc."})).json
    assert acme["ship_by"] > plain["ship_by"]
    parts = client.get("/proxy/promise?" + proxy_query({"country": "KR", "vendor": "Inc."})).json
    assert parts["ship_by"] == plain["ship_by"]


def test_a_product_with_250_tags_is_matched_on_any_of_them(client):
    """Shopify allows 250 tags per product; a matching tag sorted after the first 20 used to be dropped."""
    install(client)
    tags = [f"a{i:03d}" for i in range(249)] + ["made-to-order"]
    made = client.get("/proxy/promise?" + proxy_query({"country": "KR", "tags": "made-to-order"})).json
    many = client.get("/proxy/promise?" + proxy_query({"country": "KR", "tags": ",".join(tags)})).json
    plain = client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json
    assert many["ship_by"] == made["ship_by"] > plain["ship_by"]


def test_tags_and_vendors_no_rule_names_share_one_cached_window(client, monkeypatch):
    """The window depends only on the rules an item matches: 250 other tags make no new cache entry."""
    install(client)
    from shop_plugin.promises import storefront

    first = client.get("/proxy/promise?" + proxy_query({"country": "KR", "tags": "sale"})).json
    monkeypatch.setattr(storefront, "order_window", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    other = proxy_query({"country": "KR", "vendor": "Someone", "tags": ",".join(f"x{i}" for i in range(250))})
    assert client.get("/proxy/promise?" + other).json == first


def test_the_proxy_rejects_unsigned_or_tampered_requests(client):
    install(client)
    query = proxy_query({"country": "KR"})
    assert client.get("/proxy/promise?" + query.replace("country=KR", "country=US")).status_code == 401
    assert client.get("/proxy/promise?country=KR&shop=alpha-store.myshopify.com").status_code in (400, 401)
    assert client.get("/proxy/promise?" + proxy_query({"country": "KR"}, secret="y" * 40)).status_code == 401


def test_the_proxy_answers_from_cache_after_the_first_request(client, monkeypatch):
    install(client)
    from shop_plugin.promises import storefront

    first = client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json
    monkeypatch.setattr(storefront, "order_window", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    assert client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json == first


def test_a_settings_change_is_seen_by_the_proxy_at_once(client):
    install(client)
    before = client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json
    client.put("/api/settings", json={**RULES, "processing_days": [30, 40]}, headers=bearer())
    after = client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json
    assert after["ship_by"] > before["ship_by"]


def test_the_product_page_moves_past_the_cutoff_in_the_hour_the_clock_repeats(client, monkeypatch):
    """New York, 1 Nov 2026, cut-off 01:30: at 01:15 EST the clock reads an earlier time than at the
    first pass's 01:30, but the cut-off has passed; the window cached before it must not be reused."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from shop_plugin.promises import storefront

    install(client)
    client.put("/api/settings", headers=bearer(), json={
        **RULES, "timezone": "America/New_York", "cutoff": "01:30", "weekend": [], "processing_days": [0, 0]})
    monkeypatch.setattr(storefront, "_CACHE", {})  # windows computed by other tests of this process
    answers = []
    for hour in (5, 6):  # 01:15 EDT, then 01:15 EST
        monkeypatch.setattr(storefront, "utcnow", lambda h=hour: datetime(2026, 11, 1, h, 15, tzinfo=ZoneInfo("UTC")))
        answers.append(client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json["ship_by"])
    assert answers == ["2026-11-01", "2026-11-02"]


def test_the_storefront_shows_no_window_when_the_rules_leave_no_business_day(client, monkeypatch, caplog):
    """Policies still show; the window is left out, and why is logged, instead of a server error."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from shop_plugin.promises import calendar, storefront

    install(client)
    client.put("/api/settings", headers=bearer(), json={**RULES, "closed_dates": ["2027-02-05/2027-02-14"]})
    monkeypatch.setattr(calendar, "MAX_SEARCH_DAYS", 5)
    monkeypatch.setattr(storefront, "utcnow", lambda: datetime(2027, 2, 4, 1, tzinfo=ZoneInfo("UTC")))
    monkeypatch.setattr(storefront, "_CACHE", {})  # windows computed by other tests of this process
    proxy = client.get("/proxy/promise?" + proxy_query({"country": "KR", "locale": "en"}))
    provisional = checkout(client, "order_id=424242&country=KR&locale=en")
    for response in (proxy, provisional):
        assert response.status_code == 200
        assert (response.json["ship_by"], response.json["deliver_to"], response.json["text"]) == (None, None, "")
        assert {"kind": "refund", "text": "Full refunds."} in response.json["policies"]
    assert any("no promise" in r.getMessage() for r in caplog.records)


def test_merchant_text_reaches_customers_as_data_not_markup(client):
    install(client)
    body = client.get("/proxy/promise?" + proxy_query({"country": "KR", "locale": "en"})).json
    customs = [p for p in body["policies"] if p["kind"] == "customs"]
    assert customs == [{"kind": "customs", "text": "<b>Duties</b> may apply."}]  # JSON; the block sets textContent


def _count_queries(app):
    from sqlalchemy import event

    statements: list[str] = []
    engine = app.extensions["database"].engine
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def test_with_the_storefront_cache_repeat_requests_read_nothing_from_the_database(make_app):
    app = make_app(STOREFRONT_CACHE_SECONDS=30)
    client = app.test_client()
    install(client)
    signed_webhook(client, "orders/create", ORDER)
    first_proxy = client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json
    first_checkout = checkout(client, f"order_id={ORDER['id']}&{BUYER}").json
    statements = _count_queries(app)
    assert client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json == first_proxy
    assert checkout(client, f"order_id={ORDER['id']}&{BUYER}").json == first_checkout
    assert statements == []


def test_a_customer_redaction_reaches_the_cached_promise_within_its_cache_time(make_app):
    import time

    app = make_app(STOREFRONT_CACHE_SECONDS=30, PROMISE_CACHE_SECONDS=0.5)
    client = app.test_client()
    install(client)
    signed_webhook(client, "orders/create", ORDER)
    theirs = extension_token(sub=f"gid://shopify/Customer/{ORDER['customer']['id']}")
    assert checkout(client, f"order_id={ORDER['id']}", token=theirs).json["provisional"] is False
    redact = {"shop_domain": "alpha-store.myshopify.com", "customer": {"id": ORDER["customer"]["id"]},
              "orders_to_redact": [ORDER["id"]]}
    signed_webhook(client, "customers/redact", redact)
    time.sleep(0.6)  # the cache time passes (not a timing assertion: the outcome is checked after it)
    assert checkout(client, f"order_id={ORDER['id']}", token=theirs).json["provisional"] is True
    assert checkout(client, f"order_id={ORDER['id']}&{BUYER}").json["provisional"] is False  # the page still can


def test_with_the_storefront_cache_settings_saved_in_this_process_show_at_once(make_app):
    app = make_app(STOREFRONT_CACHE_SECONDS=30)
    client = app.test_client()
    install(client)
    before = client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json
    client.put("/api/settings", json={**RULES, "processing_days": [30, 40]}, headers=bearer())
    after = client.get("/proxy/promise?" + proxy_query({"country": "KR"})).json
    assert after["ship_by"] > before["ship_by"]


def test_an_uninstalled_shop_gets_no_promise_on_its_storefront(client):
    install(client)
    signed_webhook(client, "app/uninstalled", {"id": 1, "domain": "shop.example.com", "myshopify_domain": SHOP})
    assert client.get("/proxy/promise?" + proxy_query({"country": "KR"})).status_code == 404


def test_a_signed_proxy_query_without_a_valid_shop_is_refused_not_a_server_error(client):
    install(client)
    import hashlib
    import hmac
    import time
    from urllib.parse import urlencode

    from tests.support import SECRET

    for shop in (None, "bad\x00shop", "../etc"):
        params = {"timestamp": str(int(time.time())), "path_prefix": "/apps/shippromise"}
        if shop is not None:
            params["shop"] = shop
        message = "".join(sorted(f"{k}={v}" for k, v in params.items()))
        query = urlencode({**params, "signature": hmac.new(SECRET.encode(), message.encode(),
                                                             hashlib.sha256).hexdigest()})
        assert client.get(f"/proxy/promise?{query}").status_code in (400, 401, 404)
