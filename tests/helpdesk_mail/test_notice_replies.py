"""Delay notices are automatic mail (RFC 3834), and a customer's answer to one joins the order's delay
ticket that notice belongs to, not a new inquiry beside it."""
from __future__ import annotations

from shop_plugin.delays import service as delays
from shop_plugin.extensions import session
from tests.delays.test_delay_pipeline import RULES
from tests.delays.test_scan_pages import AT, seed
from tests.helpdesk_mail.conftest import compose
from tests.support import backdate_install, carrier_event, ship

BUYER = "buyer101@example.com"


def noticed(desk, order_id: int = 101):
    """Order #101 slipped: the scan opened its late-dispatch ticket and emailed the notice."""
    backdate_install(desk.app)
    desk.settings(RULES)
    seed(desk.app, [order_id])
    with desk.app.app_context():
        delays.scan(session(), now=AT, limit=5)
    [ticket] = desk.tickets()
    [notice] = desk.sink.messages
    return ticket, notice


def test_a_delay_notice_is_marked_auto_generated(desk):
    _, notice = noticed(desk)
    assert notice["Auto-Submitted"] == "auto-generated"


def test_a_delay_ticket_opened_by_the_scan_is_in_the_orders_language(desk):
    ticket, _ = noticed(desk)
    assert ticket.locale == "en"  # the seeded order's customer_locale


def test_a_reply_to_a_delay_notice_threads_into_the_orders_delay_ticket(desk):
    ticket, notice = noticed(desk)
    desk.post(compose("It still has not shipped, what now?", sender=BUYER, subject=f"Re: {notice['Subject']}",
                      headers=f"In-Reply-To: {notice['Message-ID']}\r\nReferences: {notice['Message-ID']}\r\n"))
    [after] = desk.tickets()
    assert after.id == ticket.id and after.reason == "late_dispatch" and after.customer_email == BUYER
    assert [e.body for e in desk.entries(ticket.id, kind="inbound")] == ["It still has not shipped, what now?"]


def test_a_reply_to_a_delay_notice_reopens_its_resolved_ticket(desk):
    ticket, notice = noticed(desk)
    desk.set_status(ticket.id, "resolved")
    desk.post(compose("Still nothing.", sender=BUYER, headers=f"In-Reply-To: {notice['Message-ID']}\r\n"))
    [after] = desk.tickets()
    assert after.id == ticket.id and after.status == "open"


def test_an_out_of_office_answer_to_a_delay_notice_opens_nothing(desk):
    ticket, notice = noticed(desk)
    desk.post(compose("I am away until Monday.", sender=BUYER, subject="Automatic reply",
                      headers=f"Auto-Submitted: auto-replied\r\nIn-Reply-To: {notice['Message-ID']}\r\n"))
    [after] = desk.tickets()
    assert (after.id, after.status, after.due_at) == (ticket.id, "open", ticket.due_at)
    assert [e.source for e in desk.entries(ticket.id, kind="inbound")] == ["auto_reply"]
    assert len(desk.sink.messages) == 1


def test_a_stranger_quoting_a_notice_id_does_not_land_on_the_orders_delay_ticket(desk):
    ticket, notice = noticed(desk)
    desk.post(compose("Tell me about this order", sender="stranger@example.net",
                      headers=f"In-Reply-To: {notice['Message-ID']}\r\n"))
    delay, inquiry = desk.tickets()
    assert delay.id == ticket.id and desk.entries(ticket.id, kind="inbound") == []
    assert inquiry.reason == "inquiry" and inquiry.customer_email == "stranger@example.net"


def deliver(desk, order_id: int = 101) -> None:
    ship(desk.client, order_id=order_id, fulfillment_id=order_id * 10)
    carrier_event(desk.client, order_id=order_id, fulfillment_id=order_id * 10, event_id=order_id * 100,
                  status="delivered")


def test_delivery_resolves_a_delay_ticket_but_not_while_the_customers_reply_awaits_an_answer(desk):
    ticket, notice = noticed(desk)
    desk.post(compose("Can the courier leave it with my neighbour?", sender=BUYER,
                      headers=f"In-Reply-To: {notice['Message-ID']}\r\n"))
    deliver(desk)
    [after] = desk.tickets()
    assert after.id == ticket.id and after.status == "open"
    [line] = [e.body for e in desk.entries(ticket.id, kind="system") if e.body.startswith("Delivered")]
    assert "awaits an answer" in line


def test_delivery_resolves_a_delay_ticket_whose_conversation_is_answered(desk):
    ticket, _ = noticed(desk)
    deliver(desk)
    [after] = desk.tickets()
    assert after.status == "resolved"
