"""Satisfaction survey: asked once a conversation is resolved; one signed click records the rating."""
from __future__ import annotations

import re
import time

from itsdangerous.timed import TimestampSigner

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import csat
from shop_plugin.helpdesk.service import open_or_update
from shop_plugin.promises import service as promises
from tests.helpdesk_mail.conftest import ORDER, compose, mail
from tests.support import OTHER_SHOP


def _resolved(desk, raw=None):
    desk.post(raw or mail("euc_kr.eml"))
    [ticket] = desk.tickets()
    desk.reply(ticket.id)
    desk.set_status(ticket.id, "resolved")
    return ticket


def _links(message) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    return re.findall(r"https://app\.example\.test(/csat/[^\s]+)", text)


def test_resolving_a_conversation_emails_five_signed_links_in_the_customers_language(desk):
    ticket = _resolved(desk)
    survey = desk.sink.messages[-1]
    assert survey["To"] == "hong@example.kr" and survey["Subject"] == "상담은 만족스러우셨나요?"
    assert survey["In-Reply-To"] == "<euckr.1@mail.example.kr>"
    # sent because staff resolved the ticket, not in answer to a message: RFC 3834's auto-generated
    assert survey["Auto-Submitted"] == "auto-generated"
    links = _links(survey)
    assert len(links) == 5 and len(set(links)) == 5
    html = survey.get_body(("html",)).get_content()
    assert all(link.replace("/csat/", "") in html for link in links)
    [entry] = [e for e in desk.entries(ticket.id, kind="system") if e.body.startswith("Satisfaction survey")]
    assert entry.delivery_status == "sent" and entry.message_id == survey["Message-ID"]


def test_a_click_records_the_rating_and_a_second_click_changes_it(desk):
    ticket = _resolved(desk)
    links = _links(desk.sink.messages[-1])
    page = desk.client.get(links[3])
    assert page.status_code == 200 and "5점 만점에 4점" in page.get_data(as_text=True)
    rated = desk.ticket(ticket.id)
    assert rated.csat_rating == 4 and rated.csat_at is not None
    assert desk.client.get(links[1]).status_code == 200
    assert desk.ticket(ticket.id).csat_rating == 2
    lines = [e.body for e in desk.entries(ticket.id, kind="system") if "rat" in e.body]
    assert "Customer rated the help 4/5" in lines and "Customer changed their rating from 4/5 to 2/5" in lines


def test_a_link_checker_looking_at_the_link_records_nothing(desk):
    ticket = _resolved(desk)
    assert desk.client.head(_links(desk.sink.messages[-1])[0]).status_code == 200
    assert desk.ticket(ticket.id).csat_rating is None


def test_the_comment_is_kept_and_shown_escaped(desk):
    ticket = _resolved(desk)
    link = _links(desk.sink.messages[-1])[4]
    page = desk.client.post(link, data={"comment": "<img src=x onerror=alert(1)> 빨랐어요"})
    html = page.get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; 빨랐어요" in html
    rated = desk.ticket(ticket.id)
    assert rated.csat_comment == "<img src=x onerror=alert(1)> 빨랐어요" and rated.csat_rating == 5


def test_tampered_expired_and_other_shop_links_are_refused_and_store_nothing(desk, monkeypatch):
    desk.install(OTHER_SHOP)
    ticket = _resolved(desk)
    link = _links(desk.sink.messages[-1])[2]
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    with desk.app.app_context():
        other_shop = desk.shop(OTHER_SHOP).id
        other = csat.token(shop_id=other_shop, ticket_id=ticket.id, rating=1)
        out_of_range = csat.token(shop_id=ticket.shop_id, ticket_id=ticket.id, rating=9)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - csat.MAX_AGE - 60)
        expired = csat.token(shop_id=ticket.shop_id, ticket_id=ticket.id, rating=1)
        monkeypatch.undo()
    for path in (tampered, f"/csat/{other}", f"/csat/{out_of_range}", f"/csat/{expired}", "/csat/garbage"):
        response = desk.client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "This link cannot be used" in html and "이 링크는" in html
        assert desk.client.post(path, data={"comment": "hack"}).status_code == 400
    refused = desk.ticket(ticket.id)
    assert refused.csat_rating is None and refused.csat_comment is None


def test_tickets_without_a_customer_conversation_are_not_surveyed(desk):
    desk.order()
    with desk.app.app_context():
        s = session()
        shop = desk.shop()
        settings, _ = promises.get_settings(s, shop=shop)
        ticket, _ = open_or_update(s, shop=shop, order_id=ORDER["id"], reason="late_dispatch", note="Late",
                                   settings=settings, now=utcnow())
        ticket.customer_email = "kim@example.com"
        s.commit()
        ticket_id = ticket.id
    desk.set_status(ticket_id, "resolved")
    assert desk.sink.messages == []
    assert not [e for e in desk.entries(ticket_id) if e.body.startswith("Satisfaction survey")]


def test_each_resolution_asks_once_and_closing_does_not_ask(desk):
    ticket = _resolved(desk, compose("hi"))
    desk.set_status(ticket.id, "closed")
    desk.set_status(ticket.id, "resolved")
    surveys = [m for m in desk.sink.messages if m["Subject"] == "How did we do?"]
    assert len(surveys) == 1
