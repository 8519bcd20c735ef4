"""A late order's customer chooses a discount code or a refund, once, through signed expiring links."""
from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select, update

from shop_plugin.effects import service as effects
from shop_plugin.effects.models import Effect
from shop_plugin.extensions import session
from shop_plugin.refunds import choice_effects, choice_links
from shop_plugin.refunds.models import CustomerChoice, RefundPrompt
from tests.support import SHOP, backdate_install, bearer, fixture, session_token, signed_webhook

SEOUL = ZoneInfo("Asia/Seoul")
CREATED = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
CHOICE = {"enabled": True, "discount_percent": 15, "expires_days": 7}
RULES = {"timezone": "Asia/Seoul", "origin_country": "KR", "processing_days": [1, 2],
         "transit": [{"countries": ["KR"], "days": [2, 3]}],
         "email": {"enabled": False, "reply_to": "help@shop.test", "from_name": "<b>Kim & Co</b>"},
         "customer_choice": CHOICE}
CHOICE_KINDS = ("customer_choice_offer", "choice_discount", "choice_refund")


def order_payload(order_id: int = 5001, total: str = "40.00", **changes) -> dict:
    payload = fixture("orders_create.rest_fixture.json")
    payload.update(id=order_id, name=f"#{order_id}", created_at=CREATED.isoformat(), updated_at=CREATED.isoformat(),
                   customer_locale="ko", email=f"buyer{order_id}@example.com", financial_status="paid",
                   fulfillment_status=None, fulfillments=[], refunds=[], cancelled_at=None, total_price=total,
                   admin_graphql_api_id=f"gid://shopify/Order/{order_id}")
    payload["shipping_address"] = dict(payload["shipping_address"], country_code="KR")
    payload.update(changes)
    return payload


class Discounts:
    """Shopify's discount codes: a code can exist once; a second create with it is refused as TAKEN."""

    def __init__(self, fake_shopify) -> None:
        self.created: dict[str, str] = {}
        self.fail_next = False
        fake_shopify.on("discountCodeBasicCreate", self.create)
        fake_shopify.on("codeDiscountNodeByCode", self.by_code)

    def create(self, body: dict) -> httpx.Response:
        code = body["variables"]["discount"]["code"]
        if code in self.created:
            errors = [{"field": ["basicCodeDiscount", "code"], "code": "TAKEN", "message": "Code must be unique."}]
            return httpx.Response(200, json={"data": {"discountCodeBasicCreate": {"codeDiscountNode": None,
                                                                                   "userErrors": errors}}})
        self.created[code] = f"gid://shopify/DiscountCodeNode/{len(self.created) + 1}"
        return httpx.Response(200, json={"data": {"discountCodeBasicCreate": {
            "codeDiscountNode": {"id": self.created[code]}, "userErrors": []}}})

    def by_code(self, body: dict) -> httpx.Response:
        found = self.created.get(body["variables"]["code"])
        return httpx.Response(200, json={"data": {"codeDiscountNodeByCode": {"id": found} if found else None}})


def scan(app, client, days_late: int = 1, order_id: int = 5001) -> None:
    deliver_to = client.get(f"/api/orders/{order_id}", headers=bearer()).json["promise"]["deliver_to"]
    at = datetime.fromisoformat(deliver_to).replace(tzinfo=SEOUL) + timedelta(days=days_late, hours=1)
    app.test_cli_runner().invoke(args=["delays", "scan", "--now", at.isoformat()])


def late(make_app, smtp_server, settings=None, days_late: int = 1, **order_changes):
    """A shop with the choice on and an order past its promise, scanned: returns app, client, sink."""
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token(SHOP)}")
    backdate_install(app)
    assert client.put("/api/settings", json=settings or RULES, headers=bearer()).status_code == 200
    signed_webhook(client, "orders/create", order_payload(**order_changes))
    scan(app, client, days_late)
    return app, client, sink


def offers(sink) -> list:
    return [m for m in sink.messages if "/choice/" in m.get_body(("plain",)).get_content()]


def links(sink) -> tuple[str, str]:
    """The (discount, refund) paths in the offer email."""
    [message] = offers(sink)
    discount, refund = re.findall(r"https://app\.example\.test(/choice/[\w.\-]+)",
                                  message.get_body(("plain",)).get_content())
    return discount, refund


def choice_row(app) -> CustomerChoice:
    with app.app_context():
        return session().scalars(select(CustomerChoice)).one()


def choice_effects_of(app) -> list[tuple[str, str]]:
    with app.app_context():
        return list(session().execute(select(Effect.kind, Effect.status).where(Effect.kind.in_(CHOICE_KINDS[1:]))))


def ticket_lines(client, order_id: int = 5001) -> list[str]:
    lines = []
    for ticket in client.get(f"/api/tickets?order_id={order_id}", headers=bearer()).json["tickets"]:
        lines += [m["body"] for m in client.get(f"/api/tickets/{ticket['id']}", headers=bearer()).json["messages"]]
    return lines


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_offer_is_off_by_default(make_app, smtp_server):
    app, client, sink = late(make_app, smtp_server, settings={**RULES, "customer_choice": {}})
    assert offers(sink) == [] and len(sink.messages) >= 1  # the delay notice still goes out
    with app.app_context():
        assert session().scalars(select(CustomerChoice)).all() == []


def test_a_late_order_gets_one_offer_in_the_customers_language(make_app, smtp_server):
    app, client, sink = late(make_app, smtp_server)
    [message] = offers(sink)
    body = message.get_body(("plain",)).get_content()
    assert message["To"] == "buyer5001@example.com" and "늦어지고" in message["Subject"]
    assert "15% 할인 코드" in body and "환불" in body and "한 번만" in body
    discount, refund = links(sink)
    assert discount != refund
    html = message.get_body(("html",)).get_content()
    assert "&lt;b&gt;Kim &amp; Co&lt;/b&gt;" in html and "<b>Kim" not in html
    assert "수신 거부</a>" in html and "Unsubscribe" not in html, "the opt-out link is in the customer's language"
    choice = choice_row(app)
    assert (choice.reason, choice.locale, choice.status, choice.chosen) == ("past_promise", "ko", "offered", None)
    assert any(line.startswith("Offered the customer a choice") for line in ticket_lines(client))
    scan(app, client, days_late=20)  # likely lost now: still one offer per order
    assert len(offers(sink)) == 1 and choice_row(app).id == choice.id


def test_opening_a_link_shows_a_confirmation_and_changes_nothing(make_app, smtp_server, fake_shopify):
    discounts = Discounts(fake_shopify)
    app, client, sink = late(make_app, smtp_server)
    discount, refund = links(sink)
    for path in (discount, refund, discount):
        page = client.get(path)
        assert page.status_code == 200 and '<form method="post">' in text(page)
        assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "15% 할인 코드를" in text(client.get(discount)) and "환불을 요청" in text(client.get(refund))
    assert choice_row(app).chosen is None and choice_effects_of(app) == []
    assert discounts.created == {} and fake_shopify.graphql_calls("refundCreate") == []


@pytest.mark.parametrize("customer,selected", [
    ({"id": 207119551}, {"customers": {"add": ["gid://shopify/Customer/207119551"]}}),
    (None, {"all": "ALL"}),
])
def test_choosing_the_discount_creates_one_single_use_code(make_app, smtp_server, fake_shopify, customer, selected):
    discounts = Discounts(fake_shopify)
    app, client, sink = late(make_app, smtp_server, customer=customer)
    discount, _ = links(sink)
    page = client.post(discount)
    choice = choice_row(app)
    assert page.status_code == 200 and choice.discount_code in text(page) and "할인 코드는" in text(page)
    [call] = fake_shopify.graphql_calls("discountCodeBasicCreate")
    sent = call["variables"]["discount"]
    assert (sent["code"], sent["usageLimit"], sent["appliesOncePerCustomer"], sent["context"]) == (
        choice.discount_code, 1, True, selected)
    assert sent["customerGets"] == {"value": {"percentage": 0.15}, "items": {"all": True}}
    assert (choice.chosen, choice.status, choice.discount_shopify_id) == (
        "discount", "done", discounts.created[choice.discount_code])
    assert any(choice.discount_code in line and "created" in line for line in ticket_lines(client))
    again = client.post(discount)
    assert again.status_code == 409 and "이미 사용된" in text(again)
    assert client.get(discount).status_code == 409
    assert len(fake_shopify.graphql_calls("discountCodeBasicCreate")) == 1


def test_a_crash_after_shopify_made_the_code_never_makes_a_second(make_app, smtp_server, fake_shopify, monkeypatch):
    discounts = Discounts(fake_shopify)
    app, client, sink = late(make_app, smtp_server)
    record = choice_effects._record
    monkeypatch.setattr(choice_effects, "_record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("killed")))
    client.post(links(sink)[0])
    monkeypatch.setattr(choice_effects, "_record", record)
    assert len(discounts.created) == 1 and choice_row(app).status == "chosen"
    with app.app_context():
        s = session()
        effect_id = s.scalar(select(Effect.id).where(Effect.kind == "choice_discount"))
        s.execute(update(Effect).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
        assert effects.run(effect_id) == "done"
    codes = {c["variables"]["discount"]["code"] for c in fake_shopify.graphql_calls("discountCodeBasicCreate")}
    assert len(fake_shopify.graphql_calls("discountCodeBasicCreate")) == 2 and len(codes) == 1
    choice = choice_row(app)
    assert len(discounts.created) == 1 and choice.discount_shopify_id == discounts.created[choice.discount_code]


def test_choosing_a_refund_refunds_once_through_a_prompt(make_app, smtp_server, fake_shopify):
    app, client, sink = late(make_app, smtp_server)
    _, refund = links(sink)
    page = client.post(refund)
    assert page.status_code == 200 and "40.00 USD 환불" in text(page)
    [call] = fake_shopify.graphql_calls("refundCreate")
    assert call["variables"]["input"]["transactions"][0]["amount"] == "40.00"
    [prompt] = client.get("/api/refund-prompts", headers=bearer()).json["prompts"]
    assert (prompt["trigger"], prompt["status"], prompt["amount"]) == ("customer_choice", "refunded", "40.00")
    choice = choice_row(app)
    assert (choice.chosen, choice.status, choice.refund_prompt_id) == ("refund", "done", prompt["id"])
    assert any("chose a refund now" in line for line in ticket_lines(client))
    assert client.post(refund).status_code == 409 and client.post(links(sink)[0]).status_code == 409
    assert len(fake_shopify.graphql_calls("refundCreate")) == 1 and fake_shopify.graphql_calls(
        "discountCodeBasicCreate") == []


def test_a_pending_prompt_is_the_one_the_refund_completes(make_app, smtp_server, fake_shopify):
    app, client, sink = late(make_app, smtp_server, days_late=8)  # past promise for a week: a prompt too
    [pending] = client.get("/api/refund-prompts", headers=bearer()).json["prompts"]
    assert (pending["trigger"], pending["status"]) == ("past_promise", "pending")
    client.post(links(sink)[1])
    [prompt] = client.get("/api/refund-prompts", headers=bearer()).json["prompts"]
    assert (prompt["id"], prompt["status"], prompt["amount"]) == (pending["id"], "refunded", "40.00")
    assert len(fake_shopify.graphql_calls("refundCreate")) == 1


@pytest.mark.parametrize("total,automatic,problem", [
    ("80.00", {}, "over the 50.00 cap"),
    ("40.00", {"max_per_day": 0}, "limit 0"),
])
def test_refunds_over_the_caps_wait_for_the_merchant(make_app, smtp_server, fake_shopify, total, automatic,
                                                     problem):
    settings = {**RULES, "refund_rules": {"automatic": automatic}}
    app, client, sink = late(make_app, smtp_server, settings=settings, total_price=total)
    page = client.post(links(sink)[1])
    assert page.status_code == 200 and "&lt;b&gt;Kim &amp; Co&lt;/b&gt;에 전달" in text(page)
    assert fake_shopify.graphql_calls("refundCreate") == [] and choice_effects_of(app) == []
    [prompt] = client.get("/api/refund-prompts", headers=bearer()).json["prompts"]
    assert (prompt["trigger"], prompt["status"]) == ("customer_choice", "pending")
    choice = choice_row(app)
    assert choice.status == "referred" and problem in choice.detail
    assert any(problem in line and f"#{prompt['id']}" in line for line in ticket_lines(client))
    assert client.post(links(sink)[1]).status_code == 409


def forged(app, choice: CustomerChoice, *, secret: str | None = None, salt: str = choice_links.SALT, **changes):
    with app.app_context():
        data = {"s": choice.shop_id, "c": choice.id, "n": choice.nonce, "o": "refund",
                "x": int(choice.expires_at.timestamp()), **changes}
        return "/choice/" + URLSafeSerializer(secret or app.config["SECRET_KEY"], salt=salt).dumps(data)


@pytest.mark.parametrize("language,words", [("ko", "올바르지 않은"), ("id", "tidak valid"), ("en", "not valid")])
def test_tampered_links_show_a_clear_page_and_do_nothing(make_app, smtp_server, fake_shopify, language, words):
    app, client, sink = late(make_app, smtp_server)
    discount, refund = links(sink)
    choice = choice_row(app)
    head, signature = refund.rsplit(".", 1)
    tampered = [f"{head}.{signature[::-1]}", discount.replace("/choice/", "/choice/x"),
                forged(app, choice, secret="another-secret"), forged(app, choice, salt="notice-unsubscribe"),
                forged(app, choice, n="guessed-nonce"), forged(app, choice, s=choice.shop_id + 1),
                forged(app, choice, o="everything"), "/choice/%3Cscript%3E"]
    for path in tampered:
        for method in (client.get, client.post):
            page = method(path, headers={"Accept-Language": f"{language},en;q=0.1"})
            assert page.status_code == 404 and words in text(page) and "<script>" not in text(page)
    assert choice_row(app).chosen is None and choice_effects_of(app) == []
    assert client.get(forged(app, choice)).status_code == 200  # the same fields, properly signed


def test_expired_links_show_a_clear_page_and_do_nothing(make_app, smtp_server, fake_shopify):
    app, client, sink = late(make_app, smtp_server)
    discount, refund = links(sink)
    choice = choice_row(app)
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    assert client.post(forged(app, choice, x=past)).status_code == 410  # the link's own expiry
    with app.app_context():
        session().execute(update(CustomerChoice).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        session().commit()
    for path in (discount, refund):
        assert client.get(path).status_code == 410
        page = client.post(path)
        assert page.status_code == 410 and "유효 기간이 지난" in text(page)
    assert choice_row(app).chosen is None and choice_effects_of(app) == []
    assert fake_shopify.graphql_calls("refundCreate") == []


def test_a_delivered_order_closes_the_offer(make_app, smtp_server, fake_shopify):
    app, client, sink = late(make_app, smtp_server)
    now = datetime.now(UTC).isoformat()
    signed_webhook(client, "fulfillments/create", dict(fixture("fulfillments_create.rest_fixture.json"), id=7001,
                                                       order_id=5001, status="success", created_at=now,
                                                       updated_at=now))
    signed_webhook(client, "fulfillment_events/create", dict(fixture("fulfillment_events_create.rest_fixture.json"),
                                                             id=7002, fulfillment_id=7001, order_id=5001,
                                                             status="delivered", happened_at=now))
    assert client.post(links(sink)[1]).status_code == 410
    assert fake_shopify.graphql_calls("refundCreate") == []


def test_concurrent_clicks_on_both_links_take_the_offer_once(make_app, smtp_server, fake_shopify):
    discounts = Discounts(fake_shopify)
    app, client, sink = late(make_app, smtp_server)
    paths = list(links(sink)) * 4
    barrier, answers = threading.Barrier(len(paths)), []

    def click(path):
        local = app.test_client()
        barrier.wait()
        answers.append(local.post(path))

    threads = [threading.Thread(target=click, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] + [409] * (len(paths) - 1)
    assert len(choice_effects_of(app)) == 1
    made = len(discounts.created) + len(fake_shopify.graphql_calls("refundCreate"))
    assert made == 1
    with app.app_context():
        assert len(session().scalars(select(RefundPrompt).where(RefundPrompt.status == "refunded")).all()) == len(
            fake_shopify.graphql_calls("refundCreate"))


def test_choice_settings_are_validated(client):
    client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token(SHOP)}")
    bad = {"customer_choice": {"enabled": "yes", "discount_percent": 0, "expires_days": 365},
           "refund_rules": {"automatic": {"triggers": ["customer_choice"]}}}
    errors = client.put("/api/settings", json=bad, headers=bearer()).json["errors"]
    assert {"customer_choice.enabled", "customer_choice.discount_percent", "customer_choice.expires_days",
            "refund_rules.automatic.triggers"} <= set(errors)
    unknown = client.put("/api/settings", json={"customer_choice": {"percent": 5}}, headers=bearer()).json
    assert "customer_choice" in unknown["errors"]
    assert client.put("/api/settings", json={"customer_choice": CHOICE}, headers=bearer()).status_code == 200
