"""Automatic replies (RFC 3834 Auto-Submitted, out-of-office): never a ticket, never an acknowledgement,
never a customer's word toward a refund; on a ticket they thread into, kept as automatic and nothing more."""
from __future__ import annotations

from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.refunds.models import RefundPrompt
from tests.helpdesk_mail.conftest import ORDER, compose

AUTO = "Auto-Submitted: auto-replied\r\n"


def prompts(desk) -> list[RefundPrompt]:
    with desk.app.app_context():
        rows = list(session().scalars(select(RefundPrompt)))
        session().expunge_all()
        return rows


def test_auto_replies_from_the_buyer_open_no_ticket_and_raise_no_refund_prompt(desk):
    desk.order()
    for n in range(3):
        desk.post(compose(f"I am away until Monday ({n}).", subject=f"Automatic reply: Order {ORDER['name']}",
                          message_id=f"<ooo.{n}@mail.example.com>", headers=AUTO))
    assert desk.tickets() == [] and desk.sink.messages == [] and prompts(desk) == []
    assert [(r.status, r.ticket_id) for r in desk.inbound()] == [("auto_reply", None)] * 3


def test_an_auto_reply_threading_into_a_ticket_is_kept_as_automatic_and_changes_nothing(desk):
    desk.order()
    desk.post(compose(f"Where is {ORDER['name']}?", subject="Order"))
    [ticket] = desk.tickets()
    ack = desk.sink.messages[-1]["Message-ID"]
    desk.post(compose("I am out of the office. Urgent matters: call me.", subject="Out of office",
                      headers=f"{AUTO}In-Reply-To: {ack}\r\n"))
    after = desk.ticket(ticket.id)
    assert [(e.body[:6], e.source) for e in desk.entries(ticket.id, kind="inbound")] == [
        ("Where ", "email"), ("I am o", "auto_reply")]
    assert (after.status, after.due_at, after.first_response_due_at, after.title, after.tags) == (
        ticket.status, ticket.due_at, ticket.first_response_due_at, "Order", ticket.tags)
    assert len(desk.sink.messages) == 1  # no acknowledgement of the automatic reply
    assert any("automatic reply" in e.body for e in desk.entries(ticket.id, kind="system"))


def test_auto_replies_do_not_count_toward_repeated_contact(desk):
    desk.order()
    desk.post(compose(f"Where is {ORDER['name']}?", subject="Order"))
    ack = desk.sink.messages[-1]["Message-ID"]
    for n in range(2):
        desk.post(compose(f"Away ({n})", subject="Out of office", message_id=f"<ooo.{n}@mail.example.com>",
                          headers=f"{AUTO}In-Reply-To: {ack}\r\n"))
    desk.post(compose(f"Any news on {ORDER['name']}?", subject="Order"))
    assert prompts(desk) == []  # two messages of the buyer's own, not three


def test_a_message_saying_it_is_no_auto_reply_is_a_customer_message(desk):
    desk.post(compose("Where is my parcel?", headers="Auto-Submitted: no\r\n"))
    [ticket] = desk.tickets()
    assert ticket.reason == "inquiry" and len(desk.sink.messages) == 1
    assert [e.source for e in desk.entries(ticket.id, kind="inbound")] == ["email"]
