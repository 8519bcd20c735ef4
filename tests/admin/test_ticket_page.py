"""The ticket page: the ticket, its order's story, the customer, messages by kind, and its forms."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import CannedReply, Ticket, TicketEntry
from shop_plugin.refunds.models import RefundPrompt
from tests.admin.support import (
    NOW,
    add_staff,
    entries,
    html_of,
    install,
    page,
    seed_tickets,
    shop_row,
    submit,
    ticket_row,
)
from tests.refunds.test_disputes_and_prompts import dispute, order
from tests.support import SHOP, signed_webhook


def add_entry(app, ticket_id: int, kind: str, body: str, **fields) -> None:
    with app.app_context():
        session().add(TicketEntry(shop_id=shop_row().id, ticket_id=ticket_id, kind=kind, body=body,
                                  author=fields.pop("author", "Kim"), created_at=NOW, **fields))
        session().commit()


def test_the_header_shows_order_status_priority_assignee_tags_and_overdue_sla(app, installed):
    [ticket] = seed_tickets(app, 1, due_at=NOW - timedelta(hours=1), tags=["past_promise", "vip"])
    html = html_of(page(installed, f"/tickets/{ticket}"))
    assert "Order #9001" in html and ">open<" in html and ">normal priority<" in html
    assert "Unassigned" in html and ">vip<" in html and ">Overdue<" in html and "SLA due" in html


def test_messages_are_styled_by_kind_with_reply_delivery_status(app, installed):
    [ticket] = seed_tickets(app, 1)
    add_entry(app, ticket, "reply", "We are on it.", delivery_status="sent")
    add_entry(app, ticket, "note", "Supplier says Tuesday.")
    add_entry(app, ticket, "system", "Delay found: past promise.", author="ShipPromise")
    html = html_of(page(installed, f"/tickets/{ticket}"))
    for kind in ("inbound", "reply", "note", "system"):
        assert f'class="message message-{kind}"' in html
    assert ">sent<" in html and "Internal note" in html and "<strong>Customer</strong>" in html


def test_a_customer_message_with_a_script_is_escaped(app, installed):
    [ticket] = seed_tickets(app, 1, customer_name="<b>Eve</b>")
    add_entry(app, ticket, "inbound", '<script>alert("pwned")</script><img src=x onerror=alert(1)>')
    html = html_of(page(installed, f"/tickets/{ticket}"))
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Eve</b>" not in html
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html and "&lt;b&gt;Eve&lt;/b&gt;" in html


def test_the_order_timeline_and_the_customers_other_orders_and_tickets(app, installed, client):
    signed_webhook(client, "orders/create", order(4001, email="kim@example.com"))
    signed_webhook(client, "orders/create", order(4002, email="kim@example.com"))
    signed_webhook(client, "disputes/create", dispute(order_id=4001))
    with app.app_context():
        tickets = list(session().scalars(select(Ticket).order_by(Ticket.id)))
    html = html_of(page(installed, f"/tickets/{tickets[0].id}"))
    assert "Order #4001 placed" in html and "Inquiry opened" in html and "Refund prompt (inquiry)" in html
    other = re.search(r"<h3>Other orders</h3>(.*?)</ul>", html, re.S).group(1)
    assert "#4002" in other and "#4001" not in other


def test_a_reply_is_emailed_to_the_customer(make_app, smtp_server):
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    install(client)
    [ticket] = seed_tickets(app, 1)
    response = submit(client, f"/tickets/{ticket}", {"action": "message", "kind": "reply", "body": "It ships today."})
    assert response.status_code == 302
    [reply] = [e for e in entries(app, ticket) if e.kind == "reply"]
    assert reply.body == "It ships today." and reply.delivery_status == "sent"
    [mail] = sink.messages
    assert mail["To"] == "buyer1@example.com" and "It ships today." in mail.get_content()
    assert ticket_row(app, ticket).first_responded_at is not None
    html = html_of(page(client, f"/tickets/{ticket}", done="reply"))
    assert "being emailed" in html and ">sent<" in html


def test_an_empty_reply_shows_the_error_next_to_the_field(app, installed):
    [ticket] = seed_tickets(app, 1)
    response = submit(installed, f"/tickets/{ticket}", {"action": "message", "kind": "reply", "body": "  "})
    assert response.status_code == 422
    html = html_of(response)
    error = r'\s*<span class="field-error" role="alert">'
    assert re.search(r'name="body".*?</textarea>' + error + "must not be empty", html, re.S)
    assert f"frame-ancestors https://{SHOP}" in response.headers["Content-Security-Policy"]
    assert [e.kind for e in entries(app, ticket)] == ["inbound"]


def test_assign_change_status_priority_and_tags(app, installed):
    [ticket] = seed_tickets(app, 1)
    other = add_staff(app, "Min-ji", 77)
    submit(installed, f"/tickets/{ticket}", {"action": "update", "assignee_id": str(other)})
    submit(installed, f"/tickets/{ticket}", {"action": "update", "status": "pending", "priority": "high"})
    submit(installed, f"/tickets/{ticket}", {"action": "update", "tags": "VIP, damaged  late"})
    row = ticket_row(app, ticket)
    assert (row.assignee_id, row.status, row.priority) == (other, "pending", "high")
    assert row.tags == ["damaged", "late", "vip"]
    lines = [e.body for e in entries(app, ticket) if e.kind == "system"]
    assert any("Assigned to Min-ji" in line for line in lines)
    submit(installed, f"/tickets/{ticket}", {"action": "update", "status": "resolved"})
    assert ticket_row(app, ticket).status == "resolved"
    submit(installed, f"/tickets/{ticket}", {"action": "update", "assignee_id": ""})
    assert ticket_row(app, ticket).assignee_id is None


def test_bad_changes_are_refused_with_field_errors(app, installed):
    [ticket] = seed_tickets(app, 1)
    response = submit(installed, f"/tickets/{ticket}", {"action": "update", "tags": "no spaces! allowed?"})
    assert response.status_code == 422 and "must be a list of up to" in html_of(response)
    response = submit(installed, f"/tickets/{ticket}", {"action": "update", "assignee_id": "999999"})
    assert response.status_code == 422 and "must be the id of a staff member" in html_of(response)
    row = ticket_row(app, ticket)
    assert row.tags == ["past_promise"] and row.assignee_id is None


def test_the_canned_reply_picker_fills_the_textarea_without_script(app, installed):
    [ticket] = seed_tickets(app, 1, customer_name="Kim")
    with app.app_context():
        reply = CannedReply(shop_id=shop_row().id, title="Where is it",
                            body="Hi {{ customer.name }}, order {{ order.name }} is on its way.")
        session().add(reply)
        session().commit()
        reply_id = reply.id
    html = html_of(page(installed, f"/tickets/{ticket}", canned=str(reply_id)))
    assert re.search(r'name="body"[^>]*>Hi Kim, order #9001 is on its way.</textarea>', html)
    assert 'name="canned"' in html and f'<option value="{reply_id}" selected>' in html


def prompt_setup(installed, app):
    signed_webhook(installed, "orders/create", order())
    signed_webhook(installed, "disputes/create", dispute())
    with app.app_context():
        ticket = session().scalars(select(Ticket)).one()
        prompt = session().scalars(select(RefundPrompt)).one()
        return ticket.id, prompt.id


def test_the_pending_refund_prompt_is_shown_and_accepted_with_an_amount(app, installed, fake_shopify):
    ticket, prompt = prompt_setup(installed, app)
    html = html_of(page(installed, f"/tickets/{ticket}"))
    assert "Refund prompt" in html and "partial refund" in html and "0.60 × (80.00 + 15.00 + 10.00)" in html
    response = submit(installed, f"/tickets/{ticket}", {"action": "refund_accept", "prompt_id": str(prompt),
                                                        "amount": "30.00", "note": "sorry"})
    assert response.status_code == 302 and "done=refunded" in response.headers["Location"]
    with app.app_context():
        row = session().get(RefundPrompt, prompt)
        assert row.status == "refunded" and str(row.amount) == "30.0000"
    assert len(fake_shopify.graphql_calls("refundCreate")) == 1


def test_an_amount_over_the_order_is_refused_next_to_the_field(app, installed, fake_shopify):
    ticket, prompt = prompt_setup(installed, app)
    response = submit(installed, f"/tickets/{ticket}", {"action": "refund_accept", "prompt_id": str(prompt),
                                                        "amount": "500"})
    assert response.status_code == 422 and "amount must be more than 0 and at most" in html_of(response)
    assert fake_shopify.graphql_calls("refundCreate") == []


def test_the_refund_prompt_is_dismissed_with_a_reason(app, installed):
    ticket, prompt = prompt_setup(installed, app)
    submit(installed, f"/tickets/{ticket}", {"action": "refund_dismiss", "prompt_id": str(prompt),
                                             "reason": "Customer confirmed delivery"})
    with app.app_context():
        row = session().get(RefundPrompt, prompt)
        assert (row.status, row.note) == ("dismissed", "Customer confirmed delivery")


def test_a_prompt_of_another_order_cannot_be_acted_on_from_this_ticket(app, installed):
    _, prompt = prompt_setup(installed, app)
    [other] = seed_tickets(app, 1)
    response = submit(installed, f"/tickets/{other}", {"action": "refund_dismiss", "prompt_id": str(prompt),
                                                       "reason": "x"})
    assert response.status_code == 422 and "not about this ticket" in html_of(response)
    with app.app_context():
        assert session().get(RefundPrompt, prompt).status == "pending"


def test_the_customers_rating_is_shown(app, installed):
    [ticket] = seed_tickets(app, 1, status="resolved", csat_rating=4, csat_comment="Fast <b>help</b>", csat_at=NOW)
    html = html_of(page(installed, f"/tickets/{ticket}"))
    assert "4 / 5" in html and "Fast &lt;b&gt;help&lt;/b&gt;" in html
