"""The admin settings page: verified, framed only by Shopify, previewing in three languages."""
from __future__ import annotations

from urllib.parse import urlencode

from tests.support import SHOP, bearer, session_token


def page(client, **params):
    query = urlencode({"shop": SHOP, "embedded": "1", "id_token": session_token(), **params})
    return client.get(f"/settings?{query}")


def test_the_settings_page_is_an_app_home_page(client):
    response = page(client)
    assert response.status_code == 200
    assert f"frame-ancestors https://{SHOP} https://admin.shopify.com" in response.headers["Content-Security-Policy"]
    assert client.get(f"/settings?shop={SHOP}&embedded=1").status_code == 302  # token recovery


def test_the_preview_shows_the_window_in_the_chosen_language(client):
    client.put("/api/settings", json={"transit": [{"countries": ["KR"], "days": [2, 3]}]}, headers=bearer())
    for locale, word in (("en", "Ships by"), ("ko", "발송"), ("id", "Dikirim")):
        html = page(client, country="KR", ordered_at="2027-02-03T10:00", locale=locale).get_data(as_text=True)
        assert word in html and 'id="preview-text"' in html


def test_the_preview_reads_the_chosen_time_in_the_shops_zone(client):
    """The form's date and time has no offset: the page gives it the shop's zone (Asia/Seoul here)."""
    client.put("/api/settings", json={"transit": [{"countries": ["KR"], "days": [2, 3]}]}, headers=bearer())
    for local in ("2027-02-03T13:30", "2027-02-03T14:30"):  # either side of the 14:00 cut-off
        html = page(client, country="KR", ordered_at=local).get_data(as_text=True)
        api = client.post("/api/promise/preview", headers=bearer(),
                          json={"ordered_at": f"{local}:00+09:00", "country": "KR"}).json
        assert api["text"] in html.replace("&#39;", "'"), local
        assert 'class="errors"' not in html


def test_a_destination_without_transit_rule_says_so(client):
    client.put("/api/settings", json={"transit": [{"countries": ["KR"], "days": [2, 3]}]}, headers=bearer())
    html = page(client, country="FR", ordered_at="2027-02-03T10:00").get_data(as_text=True)
    assert "no transit rule for this destination" in html


def test_bad_preview_input_is_shown_next_to_the_form(client):
    html = page(client, country="??", ordered_at="yesterday").get_data(as_text=True)
    assert 'class="errors"' in html and "ordered_at" in html and "country" in html


def test_merchant_text_is_escaped_on_the_page(client):
    evil = '<img src=x onerror="alert(1)">'
    client.put("/api/settings", json={"policies": {"refund": {"en": evil}},
                                     "texts": {"en": {"ship_only": evil + " {ship_by}"}}}, headers=bearer())
    html = page(client, country="FR").get_data(as_text=True)
    assert evil not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
