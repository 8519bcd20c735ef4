"""Threading: a customer message lands on the ticket it belongs to, opens or reopens it as needed."""
from __future__ import annotations

from tests.helpdesk_mail.conftest import INBOUND, ORDER, compose, mail


def test_an_answer_to_our_reply_threads_by_in_reply_to_even_from_another_address(desk):
    desk.post(mail("plain.eml"))
    [ticket] = desk.tickets()
    reply = desk.reply(ticket.id)
    sent = desk.sink.messages[-1]
    assert sent["Message-ID"] == reply.message_id and sent["In-Reply-To"] == "<plain.1@mail.example.com>"
    assert "<plain.1@mail.example.com>" in sent["References"] and sent["Reply-To"] == INBOUND
    desk.post(mail("reply.eml", in_reply_to=reply.message_id).replace(b"kim@example.com", b"kim.work@example.org"))
    assert len(desk.tickets()) == 1
    inbound = desk.entries(ticket.id, kind="inbound")
    assert [e.body for e in inbound][-1] == "Thank you, it arrived today!"
    assert inbound[-1].in_reply_to == reply.message_id and inbound[-1].email_from == "kim.work@example.org"


def test_an_order_named_in_the_subject_threads_to_that_orders_inquiry(desk):
    desk.order()
    desk.post(compose("Where is it?", subject="Order #1001 not here yet"))
    desk.post(compose("Any news? (no order number this time)", subject="Hello again"))
    [ticket] = desk.tickets()
    assert ticket.subject == f"order:{ORDER['id']}" and ticket.order_shopify_id == ORDER["id"]
    assert ticket.reason == "inquiry" and ticket.customer_email == "kim@example.com"
    assert len(desk.entries(ticket.id, kind="inbound")) == 2


def test_korean_order_numbers_are_found_and_set_the_language(desk):
    desk.order(email="hong@example.kr")
    desk.post(mail("euc_kr.eml"))
    [ticket] = desk.tickets()
    assert ticket.order_shopify_id == ORDER["id"] and ticket.locale == "ko"
    assert ticket.customer_name == "홍길동" and ticket.title == "배송 문의"


def test_a_number_that_is_no_order_of_this_shop_does_not_attach_to_an_order(desk):
    desk.order()
    desk.post(compose("Where is #9999?"))
    [ticket] = desk.tickets()
    assert ticket.order_shopify_id is None and ticket.subject.startswith("customer:")


def test_among_several_orders_the_senders_own_is_preferred(desk):
    desk.order()
    desk.order(id=ORDER["id"] + 1, name="#1002", email="lee@example.com")
    desk.post(compose("My #1001 friend said #1002 is mine", sender="lee@example.com"))
    [ticket] = desk.tickets()
    assert ticket.order_shopify_id == ORDER["id"] + 1


def test_someone_else_naming_an_order_gets_a_warning_line_for_staff(desk):
    desk.order()
    desk.post(compose("Tell me about #1001", sender="stranger@example.net"))
    [ticket] = desk.tickets()
    lines = [e.body for e in desk.entries(ticket.id, kind="system")]
    assert any("stranger@example.net is not the order's email" in line for line in lines)


def test_the_senders_open_inquiry_collects_their_messages(desk):
    desk.post(compose("first", subject="One"))
    desk.post(compose("second", subject="Two"))
    desk.post(compose("from someone else", sender="lee@example.com"))
    kim, lee = desk.tickets()
    assert [e.body for e in desk.entries(kim.id, kind="inbound")] == ["first", "second"]
    assert kim.title == "One" and lee.customer_email == "lee@example.com"


def test_a_message_to_a_pending_ticket_opens_it_and_the_sla_runs_again(desk):
    desk.post(mail("plain.eml"))
    [ticket] = desk.tickets()
    desk.set_status(ticket.id, "pending")
    assert desk.ticket(ticket.id).paused_at is not None
    desk.post(compose("here is the photo", subject="Re: Where is my parcel?"))
    ticket = desk.ticket(ticket.id)
    assert ticket.status == "open" and ticket.paused_at is None and ticket.due_at is not None
    assert len(desk.sink.messages) == 1  # pending is still the same opening: no second acknowledgement


def test_a_reply_to_a_resolved_ticket_reopens_it(desk):
    desk.post(mail("plain.eml"))
    [ticket] = desk.tickets()
    reply = desk.reply(ticket.id)
    desk.set_status(ticket.id, "resolved")
    desk.post(mail("reply.eml", in_reply_to=reply.message_id))
    ticket = desk.ticket(ticket.id)
    assert ticket.status == "open" and ticket.resolved_at is None and len(desk.tickets()) == 1
    assert any("Status: resolved → open" in e.body for e in desk.entries(ticket.id, kind="system"))


def test_a_reply_to_a_closed_ticket_goes_to_the_open_one_of_the_same_conversation(desk):
    desk.post(mail("plain.eml"))
    [old] = desk.tickets()
    reply = desk.reply(old.id)
    desk.set_status(old.id, "closed")
    desk.post(compose("new question", subject="Another thing"))
    new = desk.tickets()[1]
    assert new.subject == old.subject and new.status == "open"
    desk.post(mail("reply.eml", in_reply_to=reply.message_id))
    assert desk.ticket(old.id).status == "closed"
    assert [e.body for e in desk.entries(new.id, kind="inbound")] == ["new question", "Thank you, it arrived today!"]


def test_an_auto_reply_is_stored_but_changes_nothing(desk):
    desk.post(mail("plain.eml"))
    [ticket] = desk.tickets()
    reply = desk.reply(ticket.id)
    desk.set_status(ticket.id, "pending")
    sent_before = len(desk.sink.messages)
    desk.post(mail("auto_reply.eml", in_reply_to=reply.message_id))
    assert desk.ticket(ticket.id).status == "pending"
    assert desk.entries(ticket.id, kind="inbound")[-1].body.startswith("I am out of the office")
    assert len(desk.sink.messages) == sent_before


def test_files_are_stored_within_the_limits_and_refused_ones_listed(desk):
    desk.post(mail("alternative_attachment.eml"))
    [ticket] = desk.tickets()
    files = desk.attachments()
    assert [(f.filename, f.content_type, f.size) for f in files] == [
        ("photo.png", "image/png", len(files[0].data)), ("receipt.pdf", "application/pdf", len(files[1].data))]
    assert files[0].entry_id == desk.entries(ticket.id, kind="inbound")[0].id
    [line] = [e.body for e in desk.entries(ticket.id, kind="system") if e.body.startswith("Files not kept")]
    assert "invoice.png.exe (type not allowed" in line and "passwd (type not allowed" in line


def test_the_refund_intent_hook_hears_every_customer_message(desk, monkeypatch):
    from shop_plugin.refunds import intent

    heard = []
    monkeypatch.setattr(intent, "on_customer_message", lambda s, **kw: heard.append(kw["entry"].body))
    desk.post(compose("first"))
    desk.post(compose("second"))
    desk.post(compose("second"))  # the same message again: stored once, heard once
    assert heard == ["first", "second"]


def test_when_the_buyer_writes_on_an_orders_ticket_a_stranger_opened_replies_go_to_the_buyer(desk):
    """Anyone can name an order number; the ticket a stranger opened must not keep receiving the
    replies meant for the buyer once the buyer writes."""
    desk.order()
    desk.post(compose(f"Question about {ORDER['name']}", sender="squatter@evil.test",
                      subject="Your refund is ready at https://phish.example", headers="Content-Language: id\r\n"))
    desk.post(compose(f"Where is my order {ORDER['name']}?", sender=ORDER["email"], subject="Order"))
    [ticket] = desk.tickets()
    assert ticket.customer_email == ORDER["email"]
    assert ticket.title == "Order" and ticket.locale == "ko"  # nothing of the stranger's reaches the buyer
    notes = [e.body for e in desk.entries(ticket.id, kind="system")]
    assert any("replies now go to it, not to squatter@evil.test" in n for n in notes)
    desk.reply(ticket.id, "Your parcel is at the depot on Main Street.")
    replies = [m for m in desk.sink.messages if "depot" in m.get_body(("plain",)).get_content()]
    assert [m["To"] for m in replies] == [ORDER["email"]]
