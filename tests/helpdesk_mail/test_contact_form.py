"""The storefront contact form through the app proxy: signed, localized, escaped, rate limited."""
from __future__ import annotations

import uuid

import pytest

from tests.support import proxy_query

FORM = {"name": "Kim <b>Minsu</b>", "email": "kim@example.com", "order": "", "message": "Where is my lamp?",
        "website": ""}


def get(desk, **params):
    return desk.client.get("/proxy/contact?" + proxy_query(params))


def post(desk, data=None, ip="203.0.113.7", query=None, **params):
    return desk.client.post("/proxy/contact?" + (query or proxy_query(params)), data={**FORM, **(data or {})},
                            headers={"X-Forwarded-For": f"{ip}, 23.227.38.1"})


def test_the_form_needs_shopifys_signature(desk):
    assert desk.client.get("/proxy/contact?shop=alpha-store.myshopify.com").status_code == 401
    assert desk.client.post("/proxy/contact?shop=alpha-store.myshopify.com", data=FORM).status_code == 401
    tampered = proxy_query({"locale": "ko"}).replace("locale=ko", "locale=id")
    assert desk.client.get(f"/proxy/contact?{tampered}").status_code == 401
    assert post(desk, query=proxy_query({}, secret="not-the-app-secret")).status_code == 401
    assert desk.tickets() == []


def test_the_form_is_shown_in_the_customers_language_without_script(desk):
    page = get(desk, locale="ko")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html" and page.headers["Content-Language"] == "ko"
    assert "문의하기" in html and 'name="website"' in html and "<script" not in html
    assert "상담 시간: 월–금, 09:00–18:00 (Asia/Seoul)." in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    by_header = desk.client.get("/proxy/contact?" + proxy_query({}), headers={"Accept-Language": "id-ID,id;q=0.9"})
    assert "Hubungi kami" in by_header.get_data(as_text=True)
    assert "Contact us" in get(desk, locale="fr").get_data(as_text=True)


def test_a_message_opens_a_ticket_and_the_page_says_when_they_will_hear_back(desk):
    desk.order()
    response = post(desk, {"order": "1001", "message": "My lamp #1001 is late.\nPlease help."}, locale="ko")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "감사합니다!" in html and "까지 답변드리겠습니다" in html
    [ticket] = desk.tickets()
    assert ticket.subject.startswith("order:") and ticket.locale == "ko" and ticket.title == "My lamp #1001 is late."
    assert ticket.customer_name == "Kim <b>Minsu</b>" and ticket.customer_email == "kim@example.com"
    [entry] = desk.entries(ticket.id, kind="inbound")
    assert entry.source == "form" and entry.body == "My lamp #1001 is late.\nPlease help."
    [ack] = desk.sink.messages
    assert ack["To"] == "kim@example.com" and ack["Subject"] == "문의가 접수되었습니다"


def test_what_the_customer_typed_is_escaped_when_the_form_comes_back(desk):
    response = post(desk, {"email": "not-an-email", "message": "<script>alert(1)</script>"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please enter a valid email address." in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Kim &lt;b&gt;Minsu&lt;/b&gt;" in html and desk.tickets() == []


def test_control_characters_in_the_form_are_dropped(desk):
    assert post(desk, {"message": "lamp\x00 broken", "name": "Kim\x00"}).status_code == 200
    [entry] = desk.entries(kind="inbound")
    assert entry.body == "lamp broken" and entry.author == "Kim"


def test_the_honeypot_is_thanked_but_nothing_is_stored(desk):
    response = post(desk, {"website": "http://spam.example"})
    assert response.status_code == 200 and "Thank you!" in response.get_data(as_text=True)
    assert desk.tickets() == [] and desk.sink.messages == []


@pytest.mark.parametrize(("field", "size"), [("message", 5001), ("name", 201), ("order", 41)])
def test_fields_over_their_limit_are_refused(desk, field, size):
    response = post(desk, {field: "x" * size})
    assert response.status_code == 422 and "Please keep this under" in response.get_data(as_text=True)
    assert desk.tickets() == []


def test_a_body_over_the_form_limit_gets_413(desk):
    response = post(desk, {"message": "x" * 70_000})
    assert response.status_code == 413 and "too long" in response.get_data(as_text=True)
    assert desk.tickets() == []


def test_one_visitor_is_limited_and_told_how_long_to_wait(desk):
    statuses = [post(desk, {"email": f"c{i}@example.com", "message": f"m{i}"}).status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = post(desk, {"email": "c9@example.com"}, locale="ko")
    assert limited.status_code == 429 and "분 후에 다시 시도해 주세요" in limited.get_data(as_text=True)
    assert 0 < int(limited.headers["Retry-After"]) <= 600
    assert post(desk, {"email": "c10@example.com"}, ip="198.51.100.2").status_code == 200


def test_addresses_a_visitor_puts_in_x_forwarded_for_do_not_escape_the_limit(desk):
    def spoofed(i):  # the customer invents a new address on every request; Shopify appends the real one
        return post(desk, {"email": f"v{i}@example.com"}, ip=f"10.9.8.{i}, 203.0.113.7")
    assert [spoofed(i).status_code for i in range(6)] == [200] * 5 + [429]


def test_without_a_proxy_of_our_own_the_last_entry_is_the_visitors(make_desk):
    desk, senders = make_desk(TRUSTED_PROXY_HOPS=0), iter(range(100))

    def from_shopify(ip):
        return desk.client.post("/proxy/contact?" + proxy_query({}), data={**FORM, "email": f"s{next(senders)}@x.com"},
                                headers={"X-Forwarded-For": f"10.0.0.1, {ip}"})
    assert [from_shopify("203.0.113.9").status_code for _ in range(6)] == [200] * 5 + [429]
    assert from_shopify("203.0.113.10").status_code == 200


def test_one_sender_is_limited_whatever_their_address(desk):
    statuses = [post(desk, {"message": f"m{i}"}, ip=f"198.51.100.{i}").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert len(desk.entries(kind="inbound")) == 3


def test_with_redis_the_limits_are_shared_by_every_web_process(make_desk, redis_env):
    from redis import Redis

    prefix = f"test-contact-{uuid.uuid4().hex[:8]}"
    first = make_desk(env=redis_env, RATELIMIT_KEY_PREFIX=prefix)
    statuses = [post(first, {"email": f"r{i}@example.com"}).status_code for i in range(3)]
    second = make_desk(env=redis_env, install=False, RATELIMIT_KEY_PREFIX=prefix)  # another process, same Redis
    statuses += [post(second, {"email": f"s{i}@example.com"}).status_code for i in range(3)]
    redis = Redis.from_url(redis_env["REDIS_URL"])
    try:
        assert statuses == [200] * 5 + [429]
        assert redis.keys(f"*{prefix}*")
    finally:
        for key in redis.keys(f"*{prefix}*"):
            redis.delete(key)


def test_unknown_shops_get_404(desk):
    response = desk.client.get("/proxy/contact?" + proxy_query({}, shop="nobody-here.myshopify.com"))
    assert response.status_code == 404
