"""Tags from the customer's words, by rules the merchant can edit; "urgent" raises the priority."""
from __future__ import annotations

import pytest

from shop_plugin.helpdesk.desk_settings import DEFAULT_TAG_RULES
from shop_plugin.helpdesk.tagging import matching
from shop_plugin.promises.settings import validate
from tests.helpdesk_mail.conftest import compose, mail
from tests.support import bearer


@pytest.mark.parametrize(("text", "tags"), [
    ("My parcel has NOT RECEIVED status and it's urgent", ["urgent", "not-received"]),
    ("The vase arrived broken, I want a refund", ["damaged", "refund"]),
    ("You sent the wrong item, please cancel the rest", ["wrong-item", "cancel"]),
    ("급해요! 상품을 아직 못받았어요", ["urgent", "not-received"]),
    ("상품이 파손되어 왔어요. 환불 부탁드립니다", ["damaged", "refund"]),
    ("다른 상품이 왔어요, 주문 취소할게요", ["wrong-item", "cancel"]),
    ("Mohon segera, paket belum sampai", ["urgent", "not-received"]),
    ("Barangnya rusak, saya minta pengembalian dana", ["damaged", "refund"]),
    ("Salah barang yang dikirim, saya mau batal", ["wrong-item", "cancel"]),
    ("ＵＲＧＥＮＴ：ｐｌｅａｓｅ", ["urgent"]),  # full-width letters are the same word after NFKC
    ("Thanks, all good!", []),
])
def test_default_rules_tag_english_korean_and_indonesian(text, tags):
    assert matching(text, DEFAULT_TAG_RULES) == tags


def test_every_message_adds_tags_and_never_removes_them(desk):
    desk.post(compose("The lamp arrived broken", subject="Broken lamp"))
    desk.post(compose("Now I just want a refund", subject="Refund"))
    [ticket] = desk.tickets()
    assert ticket.tags == ["damaged", "inquiry", "refund"]
    lines = [e.body for e in desk.entries(ticket.id, kind="system") if e.body.startswith("Tagged")]
    assert lines == ["Tagged from the message: damaged", "Tagged from the message: refund"]


def test_html_and_legacy_charset_mail_is_tagged_too(desk):
    desk.post(mail("html_only.eml"))
    desk.post(mail("euc_kr.eml"))
    budi, hong = desk.tickets()
    assert {"urgent", "not-received"} <= set(budi.tags) and {"urgent", "not-received", "refund"} <= set(hong.tags)


def test_urgent_raises_a_lower_priority_to_high(desk):
    desk.post(compose("hello", subject="Hello"))
    [ticket] = desk.tickets()
    with desk.app.app_context():
        from shop_plugin.extensions import session
        from shop_plugin.helpdesk import actions
        from shop_plugin.helpdesk.models import Ticket

        s = session()
        actions.update_ticket(s, shop=desk.shop(), ticket=s.get(Ticket, ticket.id), changes={"priority": "low"},
                              staff=None, now=ticket.created_at)
        s.commit()
    desk.post(compose("this is URGENT now", subject="Re: Hello"))
    assert desk.ticket(ticket.id).priority == "high"


def test_the_merchant_edits_the_rules(desk):
    desk.settings({"tag_rules": [{"tag": "vip", "keywords": ["wholesale", "도매"]}]})
    desk.post(compose("Urgent wholesale question"))
    [ticket] = desk.tickets()
    assert ticket.tags == ["inquiry", "vip"]  # the merchant's list replaces the defaults


@pytest.mark.parametrize(("rules", "field"), [
    ("urgent", "tag_rules"),
    ([{"tag": "Not Received", "keywords": ["x"]}], "tag_rules.0.tag"),
    ([{"tag": "ok", "keywords": []}], "tag_rules.0.keywords"),
    ([{"tag": "ok", "keywords": ["x" * 101]}], "tag_rules.0.keywords"),
    ([{"tag": "ok"}], "tag_rules.0"),
])
def test_tag_rules_are_validated(rules, field):
    assert field in validate({"tag_rules": rules})[1]


def test_invalid_rules_are_refused_by_the_settings_api(desk):
    response = desk.client.put("/api/settings", json={"tag_rules": [{"tag": "ok", "keywords": "x"}]},
                               headers=bearer())
    assert response.status_code in (400, 422) and "tag_rules.0.keywords" in response.json["errors"]
