"""Settings and preview API, and the promise stored on every new order."""
from __future__ import annotations

from tests.support import OTHER_SHOP, bearer, fixture, signed_webhook

RULES = {
    "timezone": "Asia/Seoul", "cutoff": "14:00", "processing_days": [1, 2], "origin_country": "CN",
    "closed_dates": ["2027-02-05/2027-02-14"],
    "transit": [{"countries": ["KR"], "days": [3, 5]}, {"countries": ["*"], "days": [8, 15]}],
    "suppliers": [{"vendor": "Slow Supplier", "processing_days": [5, 8]}],
    "policies": {"returns_days": 14, "refund": {"en": "Refunds within 5 days.", "ko": "5일 이내 환불."}},
}


def order(**changes) -> dict:
    payload = fixture("orders_create.rest_fixture.json")
    payload.update(created_at="2027-02-03T10:00:00+09:00", customer_locale="ko", **changes)
    payload["shipping_address"] = dict(payload["shipping_address"], country_code="KR")
    return payload


def test_settings_start_from_the_defaults(client):
    body = client.get("/api/settings", headers=bearer()).json
    assert body["version"] == 0 and body["settings"]["processing_days"] == [1, 3]


def test_saved_settings_are_returned_and_versioned(client):
    assert client.put("/api/settings", json=RULES, headers=bearer()).status_code == 200
    body = client.get("/api/settings", headers=bearer()).json
    assert body["version"] == 1 and body["settings"]["cutoff"] == "14:00"
    assert body["settings"]["weekend"] == ["sat", "sun"]  # left out: default


def test_invalid_settings_are_422_by_field_and_nothing_is_saved(client):
    client.put("/api/settings", json=RULES, headers=bearer())
    response = client.put("/api/settings", json={**RULES, "cutoff": "noon", "transit": [{"countries": ["*"]}]},
                          headers=bearer())
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"cutoff", "transit.0"}
    assert client.get("/api/settings", headers=bearer()).json["version"] == 1
    assert client.put("/api/settings", data="not json", headers=bearer()).status_code == 422


def test_support_hours_with_an_unknown_time_zone_are_refused(client):
    response = client.put("/api/settings", json={**RULES, "support_hours": {"timezone": "Mars/Olympus"}},
                          headers=bearer())
    assert response.status_code == 422 and set(response.json["errors"]) == {"support_hours.timezone"}
    ok = client.put("/api/settings", json={**RULES, "support_hours": {"timezone": "Asia/Jakarta"}}, headers=bearer())
    assert ok.status_code == 200


def test_settings_are_per_shop(client):
    client.put("/api/settings", json=RULES, headers=bearer())
    assert client.get("/api/settings", headers=bearer(OTHER_SHOP)).json["version"] == 0


def test_settings_need_a_session_token(client):
    assert client.get("/api/settings").status_code == 401
    assert client.put("/api/settings", json=RULES).status_code == 401


def test_preview_answers_the_window_text_and_policies(client):
    client.put("/api/settings", json=RULES, headers=bearer())
    body = client.post("/api/promise/preview", headers=bearer(), json={
        "ordered_at": "2027-02-03T10:00:00+09:00", "country": "KR", "locale": "ko"}).json
    assert body["ship_by"] == "2027-02-15" and body["deliver_from"] and body["deliver_to"]
    assert "발송" in body["text"] and "공급업체 휴무" in body["text"]
    assert body["policies"][1] == {"kind": "refund", "text": "5일 이내 환불."}
    assert body["adjustments"][0]["kind"] == "closure"


def test_preview_in_three_languages_and_with_unsaved_settings(client):
    for locale, word in (("en", "Ships by"), ("ko", "발송"), ("id", "Dikirim")):
        body = client.post("/api/promise/preview", headers=bearer(), json={
            "settings": RULES, "ordered_at": "2026-11-24T10:00:00+09:00", "country": "US", "locale": locale,
            "vendors": ["Slow Supplier"]}).json
        assert word in body["text"], body
    assert client.get("/api/settings", headers=bearer()).json["version"] == 0


def test_preview_rejects_bad_input_by_field(client):
    response = client.post("/api/promise/preview", headers=bearer(), json={
        "settings": {"cutoff": "x"}, "ordered_at": "2027-02-03", "country": "Korea", "locale": "<b>",
        "vendors": "Slow"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"settings.cutoff", "ordered_at", "country", "locale", "vendors"}


def test_preview_needs_the_order_time_with_its_offset(client):
    """A time without offset names no moment: read as UTC, 10:00 in Seoul became 19:00, after the cut-off."""
    client.put("/api/settings", json=RULES, headers=bearer())
    for naive in ("2027-02-03T10:00:00", "2027-02-03T10:00", "2027-02-03"):
        response = client.post("/api/promise/preview", headers=bearer(), json={"ordered_at": naive, "country": "KR"})
        assert response.status_code == 422 and set(response.json["errors"]) == {"ordered_at"}, naive
    seoul = client.post("/api/promise/preview", headers=bearer(),
                        json={"ordered_at": "2027-02-03T10:00:00+09:00", "country": "KR"}).json
    utc = client.post("/api/promise/preview", headers=bearer(),
                      json={"ordered_at": "2027-02-03T01:00:00Z", "country": "KR"}).json
    assert seoul["ship_by"] == utc["ship_by"] == "2027-02-15"


def test_a_preview_whose_rules_leave_no_business_day_is_a_422_not_a_server_error(client, monkeypatch):
    from shop_plugin.promises import calendar

    monkeypatch.setattr(calendar, "MAX_SEARCH_DAYS", 5)  # RULES close 5-14 Feb: ten days
    response = client.post("/api/promise/preview", headers=bearer(), json={
        "settings": RULES, "ordered_at": "2027-02-03T10:00:00+09:00", "country": "KR"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"settings"} and "no business day" in response.json["errors"]["settings"]


def test_an_order_whose_rules_leave_no_business_day_is_stored_without_a_promise(client, monkeypatch, caplog):
    from shop_plugin.promises import calendar

    client.put("/api/settings", json=RULES, headers=bearer())
    monkeypatch.setattr(calendar, "MAX_SEARCH_DAYS", 5)
    payload = order()
    assert signed_webhook(client, "orders/create", payload).status_code == 200
    stored = client.get(f"/api/orders/{payload['id']}", headers=bearer())
    assert stored.status_code == 200 and stored.json["promise"] is None
    assert any("no promise" in r.getMessage() and str(payload["id"]) in r.getMessage() for r in caplog.records)


def test_a_new_order_gets_its_promise_from_the_saved_rules(client):
    client.put("/api/settings", json=RULES, headers=bearer())
    payload = order()
    signed_webhook(client, "orders/create", payload)
    promise = client.get(f"/api/orders/{payload['id']}", headers=bearer()).json["promise"]
    assert promise["ship_by"] == "2027-02-15" and promise["locale"] == "ko"
    assert "발송" in promise["text"] and promise["computed_at"].endswith("Z")
    assert promise["adjustments"][0]["name"] == "2027-02-05/2027-02-14"


def test_the_promise_is_never_recomputed(client):
    payload = order()
    signed_webhook(client, "orders/create", payload)
    first = client.get(f"/api/orders/{payload['id']}", headers=bearer()).json["promise"]
    client.put("/api/settings", json={**RULES, "processing_days": [10, 20]}, headers=bearer())
    signed_webhook(client, "orders/updated", dict(payload, updated_at="2027-02-04T10:00:00+09:00"))
    assert client.get(f"/api/orders/{payload['id']}", headers=bearer()).json["promise"] == first


def test_an_order_stored_anew_keeps_the_promise_it_already_has(app, client):
    """A new order row skips looking for its promise first; one already there (its order row gone and
    stored again) is still kept as the customer was told, and its metafields are not written again."""
    from sqlalchemy import delete, func, select

    from shop_plugin.effects.models import Effect
    from shop_plugin.extensions import session
    from shop_plugin.orders.models import LineItem, Order

    payload = order()
    signed_webhook(client, "orders/create", payload)
    first = client.get(f"/api/orders/{payload['id']}", headers=bearer()).json["promise"]
    client.put("/api/settings", json={**RULES, "processing_days": [10, 20]}, headers=bearer())
    with app.app_context():
        session().execute(delete(LineItem))
        session().execute(delete(Order))
        session().commit()
    signed_webhook(client, "orders/updated", dict(payload, updated_at="2027-02-04T10:00:00+09:00"))
    assert client.get(f"/api/orders/{payload['id']}", headers=bearer()).json["promise"] == first
    with app.app_context():
        assert session().scalar(select(func.count()).select_from(Effect).where(
            Effect.kind == "promise_metafields")) == 1


def test_supplier_rules_match_the_orders_line_item_vendors(client):
    client.put("/api/settings", json=RULES, headers=bearer())
    slow = order(id=77)
    slow["line_items"][0]["vendor"] = "Slow Supplier"
    signed_webhook(client, "orders/create", order(id=76))
    signed_webhook(client, "orders/create", slow)
    normal = client.get("/api/orders/76", headers=bearer()).json["promise"]
    delayed = client.get("/api/orders/77", headers=bearer()).json["promise"]
    assert delayed["ship_by"] > normal["ship_by"]
