"""The automatic acknowledgement: once per ticket opening, threaded, in the customer's language,
with the first-response deadline in the shop's time zone."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_time

from shop_plugin.extensions import session
from shop_plugin.helpdesk import ack
from shop_plugin.notify.optouts import opt_out
from tests.helpdesk_mail.conftest import INBOUND, ORDER, compose, mail


def test_a_new_ticket_is_acknowledged_once_in_korean_with_the_promised_time(desk):
    desk.post(mail("euc_kr.eml"))
    desk.post(compose("추가 문의입니다", sender="hong@example.kr", subject="Re: 배송 문의"))
    [ticket] = desk.tickets()
    [sent] = desk.sink.messages
    assert sent["To"] == "hong@example.kr" and sent["Subject"] == "Re: 배송 문의"
    assert sent["In-Reply-To"] == "<euckr.1@mail.example.kr>" and sent["References"] == "<euckr.1@mail.example.kr>"
    assert sent["Reply-To"] == INBOUND and sent["Auto-Submitted"] == "auto-replied"
    text = sent.get_body(("plain",)).get_content()
    due = ticket.first_response_due_at.astimezone(ZoneInfo("Asia/Seoul"))
    assert text.startswith("홍길동님, 안녕하세요.") and "까지 답변드리겠습니다" in text
    assert format_time(due, "aaaa h:mm", locale="ko") in text and "대한민국 시간" in text and f"{due.day}일" in text
    [entry] = [e for e in desk.entries(ticket.id, kind="system") if e.message_id]
    assert entry.message_id == sent["Message-ID"] and entry.delivery_status == "sent" and entry.body == text.strip()


def test_korean_times_read_ojeon_or_ohu_not_am_or_pm():
    settings = {"timezone": "Asia/Seoul"}
    afternoon = ack.when(datetime(2026, 11, 24, 6, tzinfo=UTC), settings, "ko")
    assert afternoon == "2026년 11월 24일 (화) 오후 3:00 (대한민국 시간)"
    assert "오전 10:00" in ack.when(datetime(2026, 11, 24, 1, tzinfo=UTC), settings, "ko-KR")
    assert "3:00\u202fPM" in ack.when(datetime(2026, 11, 24, 6, tzinfo=UTC), settings, "en")

def test_english_and_indonesian_wording(desk):
    desk.post(mail("plain.eml"))
    desk.post(mail("html_only.eml"))
    english, indonesian = (m.get_body(("plain",)).get_content() for m in desk.sink.messages)
    assert english.startswith("Hello Kim Minsu,") and "will reply by" in english and "(Korean Time)" in english
    assert indonesian.startswith("Halo Budi Santoso,") and "paling lambat" in indonesian


def test_a_reopened_ticket_is_acknowledged_again_with_a_deadline_ahead(desk):
    desk.post(mail("plain.eml"))
    [ticket] = desk.tickets()
    reply = desk.reply(ticket.id)
    desk.set_status(ticket.id, "resolved")
    before = len(desk.sink.messages)
    desk.post(mail("reply.eml", in_reply_to=reply.message_id))
    acks = [m for m in desk.sink.messages[before:] if m["Auto-Submitted"] == "auto-replied"]
    assert len(acks) == 1 and acks[0]["In-Reply-To"] == "<reply.2@mail.example.com>"


def test_a_reply_to_the_acknowledgement_threads_to_the_ticket(desk):
    desk.post(compose("first", subject="Question"))
    ack_id = desk.sink.messages[0]["Message-ID"]
    desk.post(compose("more details", sender="other@example.com", subject="Re: Question",
                      headers=f"In-Reply-To: {ack_id}\r\n"))
    [ticket] = desk.tickets()
    assert [e.body for e in desk.entries(ticket.id, kind="inbound")] == ["first", "more details"]


def test_no_acknowledgement_for_an_auto_reply(desk):
    desk.post(mail("auto_reply.eml", in_reply_to="<unknown@elsewhere.example>"))
    assert desk.sink.messages == [] and desk.tickets() == []  # nor a ticket: nobody wrote


def test_no_acknowledgement_for_a_customer_who_opted_out(desk):
    with desk.app.app_context():
        opt_out(session(), shop_id=desk.shop().id, email="kim@example.com")
    desk.post(mail("plain.eml"))
    assert len(desk.tickets()) == 1 and desk.sink.messages == []


def test_the_merchant_can_switch_it_off(desk):
    desk.settings({"auto_ack": {"enabled": False}})
    desk.post(mail("plain.eml"))
    assert desk.sink.messages == []


def test_the_merchant_writes_their_own_wording_safely(desk):
    desk.settings({"email": {"from_name": "Alpha <Lamps>"}, "auto_ack": {"texts": {
        "en": "Hi {{ customer.name }}, {{ shop.name }} answers by {{ reply_by }}. {{ ''.__class__ }}"}}})
    desk.post(mail("plain.eml"))
    text = desk.sink.messages[0].get_body(("plain",)).get_content()
    assert text.startswith("Hi Kim Minsu, Alpha <Lamps> answers by ") and "(Korean Time)" in text
    assert "class" not in text


def test_auto_ack_settings_are_validated(desk):
    from tests.support import bearer

    response = desk.client.put("/api/settings", headers=bearer(), json={
        "auto_ack": {"enabled": "yes", "texts": {"en": "{% for %}", "xx-yy": "hi"}}})
    assert {"auto_ack.enabled", "auto_ack.texts.en", "auto_ack.texts.xx-yy"} <= set(response.json["errors"])


def test_someone_naming_another_customers_order_learns_nothing_about_it(desk):
    template = "{{ order.name }}|{{ order.email }}|{{ order.total }}|{{ order.status_url }}|{{ customer.email }}"
    desk.settings({"auto_ack": {"texts": {"en": template, "ko": template}}})
    desk.order()
    desk.order(id=ORDER["id"] + 1, name="#1002")
    desk.post(compose("Tell me about #1001", sender="stranger@example.net"))
    desk.post(compose("Where is #1002?", sender="kim@example.com", subject="Mine"))
    stranger, buyer = (m.get_body(("plain",)).get_content().strip() for m in desk.sink.messages)
    assert stranger == "#1001||||stranger@example.net"
    assert buyer == "#1002|kim@example.com|409.94 USD||kim@example.com"  # the currency's own decimals


def test_one_address_gets_at_most_three_automatic_answers_a_day(desk):
    from shop_plugin.helpdesk import ack

    for n in range(5):  # a forged sender naming one order after another opens a ticket each time
        desk.order(id=ORDER["id"] + n, name=f"#{1001 + n}", email="victim@example.org")
        desk.post(compose(f"Where is #{1001 + n}?", sender="victim@example.org", subject=f"Order {n}"))
    assert len(desk.tickets()) == 5
    assert [m["To"] for m in desk.sink.messages] == ["victim@example.org"] * ack.MAX_PER_ADDRESS_PER_DAY


def test_the_contact_forms_acknowledgement_repeats_nothing_the_visitor_typed(desk):
    """Anyone can type someone else's address into the form: the store's automatic answer to that
    address must not carry the visitor's words (a phishing relay through the store's mail)."""
    from tests.helpdesk_mail.test_contact_form import post

    lure = "Your refund is ready, claim it at https://phish.example/claim"
    assert post(desk, {"email": "victim@example.org", "name": lure, "message": lure}).status_code == 200
    [sent] = desk.sink.messages
    text = sent.get_body(("plain",)).get_content()
    assert sent["To"] == "victim@example.org" and text.startswith("Hello,")
    assert "phish" not in text and "phish" not in sent["Subject"]


def test_plus_addresses_count_as_one_mailbox_for_the_daily_acknowledgements(desk):
    from tests.helpdesk_mail.test_contact_form import post

    for n in range(5):
        post(desk, {"email": f"Victim+{n}@example.org", "message": f"question {n}"}, ip=f"203.0.113.{n + 10}")
    assert len(desk.tickets()) == 5 and len(desk.sink.messages) == 3
