"""customers/data_request, customers/redact and shop/redact, proven with queries."""
from __future__ import annotations

import json

from sqlalchemy import func, select, text

from shop_plugin.compliance.models import DataRequest
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.models import Base
from shop_plugin.orders.models import FulfillmentEvent, Order
from tests.support import OTHER_SHOP, SHOP, fixture, signed_webhook

CUSTOMER = {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"}


def customer_order(order_id: int, shop_email: str = "john@example.com") -> dict:
    order = fixture("orders_create.rest_fixture.json")
    order.update(id=order_id, email=shop_email, name=f"#{order_id}")
    order["customer"] = dict(order["customer"], id=CUSTOMER["id"], email=shop_email)
    return order


def seed(client, shop: str = SHOP) -> None:
    for order_id in (299938, 280263):
        signed_webhook(client, "orders/create", customer_order(order_id), shop=shop)
    event = dict(fixture("fulfillment_events_create.rest_fixture.json"), order_id=299938,
                 city="Louisville", zip="40202", status="delivered")
    signed_webhook(client, "fulfillment_events/create", event, shop=shop)
    signed_webhook(client, "orders/create", dict(fixture("orders_create.rest_fixture.json"),
                                                 id=1, email="someone@else.test", customer=None), shop=shop)


def query(app, sql: str, **params):
    with app.app_context():
        return session().execute(text(sql), params).all()


def test_a_data_request_records_an_export_of_everything_held(app, client):
    seed(client)
    signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"))
    with app.app_context():
        [request] = session().scalars(select(DataRequest)).all()
    assert request.customer_email == "john@example.com"
    exported = {o["shopify_id"]: o for o in request.export["orders"]}
    assert set(exported) == {299938, 280263}
    assert exported[299938]["email"] == "john@example.com"
    assert exported[299938]["fulfillment_events"][0]["city"] == "Louisville"
    assert exported[299938]["line_items"]
    json.dumps(request.export)  # plain JSON, ready to hand over


def test_a_repeated_data_request_delivery_records_one_export(app, client):
    seed(client)
    for _ in range(2):
        signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"), webhook_id="dr")
    assert query(app, "SELECT count(*) FROM customer_data_requests")[0][0] == 1


def test_redact_erases_the_customers_personal_data(app, client):
    seed(client)
    signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"))
    signed_webhook(client, "customers/redact", fixture("customers_redact.json"))
    rows = query(app, "SELECT shopify_id, email, phone, customer_name, shipping_address, customer_id FROM orders"
                      " WHERE shopify_id IN (299938, 280263)")
    assert len(rows) == 2
    assert all(r[1:] == (None, None, None, None, None) for r in rows)
    assert query(app, "SELECT city, zip FROM fulfillment_events") == [(None, None)]
    bodies = query(app, "SELECT body FROM webhook_events WHERE order_id IN (299938, 280263)")
    assert bodies and all(b"john@example.com" not in bytes(b[0]) for b in bodies)
    assert query(app, "SELECT count(*) FROM customer_data_requests")[0][0] == 0


def test_redact_leaves_other_customers_and_the_order_facts(app, client):
    seed(client)
    signed_webhook(client, "customers/redact", fixture("customers_redact.json"))
    assert query(app, "SELECT email FROM orders WHERE shopify_id = 1") == [("someone@else.test",)]
    totals = query(app, "SELECT total_price, name FROM orders WHERE shopify_id = 299938")
    assert totals[0][1] == "#299938" and totals[0][0] is not None


def test_redact_is_scoped_to_the_shop(app, client):
    seed(client, SHOP)
    seed(client, OTHER_SHOP)
    signed_webhook(client, "customers/redact", fixture("customers_redact.json"), shop=SHOP)
    emails = query(app, "SELECT s.domain, o.email FROM orders o JOIN shops s ON s.id = o.shop_id"
                        " WHERE o.shopify_id = 299938 ORDER BY s.domain")
    assert emails == [(SHOP, None), (OTHER_SHOP, "john@example.com")]


def test_shop_redact_deletes_every_row_of_the_shop(app, client):
    seed(client, SHOP)
    seed(client, OTHER_SHOP)
    signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"), shop=SHOP)
    signed_webhook(client, "shop/redact", fixture("shop_redact.json"), shop=SHOP, webhook_id="redact")
    with app.app_context():
        s = session()
        for table in Base.metadata.sorted_tables:
            if "shop_id" in table.c:
                ids = s.execute(select(table.c.shop_id).distinct()).scalars().all()
                assert len(ids) <= 1, table.name  # only the other shop is left
        assert s.scalar(select(func.count()).select_from(Order)) == 3
        assert s.scalar(select(func.count()).select_from(FulfillmentEvent)) == 1
        left = s.execute(select(WebhookEvent.webhook_id).where(WebhookEvent.shop_domain == SHOP)).scalars().all()
        assert left == ["redact"]
        assert s.execute(text("SELECT domain FROM shops")).scalars().all() == [OTHER_SHOP]


def test_a_signed_body_naming_another_shop_erases_and_uninstalls_nothing(app, client):
    """Shopify signs the body, not the shop header: a body of one shop replayed under another shop's
    header is stored, refused for good (no retry) and changes nothing."""
    seed(client, SHOP)
    seed(client, OTHER_SHOP)
    attacks = (("shop/redact", fixture("shop_redact.json")), ("customers/redact", fixture("customers_redact.json")),
               ("app/uninstalled", fixture("app_uninstalled.rest_fixture.json")))
    for topic, payload in attacks:
        field = "myshopify_domain" if topic == "app/uninstalled" else "shop_domain"
        for named in (OTHER_SHOP, None, "not a shop"):
            body = json.dumps({**payload, field: named} if named else
                              {k: v for k, v in payload.items() if k != field}).encode()
            assert signed_webhook(client, topic, body, shop=SHOP, webhook_id=f"{topic}-{named}").status_code == 200
    rows = query(app, "SELECT topic, status, attempts, error FROM webhook_events WHERE webhook_id LIKE '%/%' "
                      "AND next_attempt_at IS NULL")
    assert len(rows) == 9
    assert {(topic, status, attempts) for topic, status, attempts, _ in rows} == {
        (topic, "failed", 1) for topic, _ in attacks}
    assert all("not applied" in error for *_, error in rows)
    with app.app_context():
        s = session()
        assert s.scalar(select(func.count()).select_from(Order)) == 6
        assert s.execute(text("SELECT domain FROM shops WHERE uninstalled_at IS NULL ORDER BY domain")
                         ).scalars().all() == sorted([SHOP, OTHER_SHOP])
        assert "john@example.com" in s.scalars(select(Order.email)).all()


def test_redact_scrubs_the_compliance_deliveries_themselves(app, client):
    seed(client)
    signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"), webhook_id="dr")
    signed_webhook(client, "customers/redact", fixture("customers_redact.json"), webhook_id="cr")
    bodies = query(app, "SELECT webhook_id, body FROM webhook_events WHERE webhook_id IN ('dr', 'cr')")
    assert len(bodies) == 2
    assert all(b"john@example.com" not in bytes(body) and b"555-625" not in bytes(body) for _, body in bodies)


def _message(app, sender: str, body: str, order_number: str | None = None) -> int:
    from shop_plugin.db import utcnow
    from shop_plugin.helpdesk.inbound import Incoming, receive
    from shop_plugin.shops import service as shops

    with app.app_context():
        shop = shops.get(domain=SHOP)
        received = receive(session(), shop=shop, now=utcnow(), incoming=Incoming(
            source="form", sender=sender, body=body, sender_name="John Smith", subject="Where is it?",
            order_number=order_number))
        session().commit()
        return received.ticket.id


def test_redact_erases_what_the_customer_wrote_and_a_data_request_exports_it(app, client):
    seed(client)
    mine = _message(app, "john@example.com", "My address is 1 Secret Lane, where is #299938?", "#299938")
    other = _message(app, "jane@example.com", "Jane's own question")
    signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"))
    with app.app_context():
        export = session().scalars(select(DataRequest)).one().export
    assert [c["id"] for c in export["conversations"]] == [mine]
    assert "Secret Lane" in export["conversations"][0]["messages"][0]["body"]

    signed_webhook(client, "customers/redact", fixture("customers_redact.json"))
    bodies = dict(query(app, "SELECT ticket_id, body FROM ticket_entries WHERE kind = 'inbound'"))
    assert "Secret Lane" not in bodies[mine] and bodies[other] == "Jane's own question"
    tickets = dict(query(app, "SELECT id, customer_email FROM tickets"))
    assert tickets[mine] is None and tickets[other] == "jane@example.com"


def _text_columns():
    from sqlalchemy import JSON, LargeBinary, String, Text

    for table in Base.metadata.sorted_tables:
        for column in table.c:
            if isinstance(column.type, String | Text | LargeBinary | JSON):
                yield table, column


def test_after_redact_no_column_of_any_table_holds_the_customers_email_or_words(app, client):
    """(The fixture's phone number is on every seeded order, the other customer's too: not checked here.)"""
    seed(client)
    _message(app, "John@Example.com", "My address is 1 Secret Lane, where is #299938?", "#299938")
    signed_webhook(client, "customers/redact", fixture("customers_redact.json"))
    leaks = []
    with app.app_context():
        for table, column in _text_columns():
            for value in session().execute(select(column)).scalars():
                text_of = bytes(value).decode("utf-8", "replace") if isinstance(value, bytes | memoryview) \
                    else json.dumps(value) if isinstance(value, dict | list) else str(value or "")
                if any(secret in text_of.lower() for secret in ("john@example.com", "secret lane")):
                    leaks.append(f"{table.name}.{column.name}")
    assert leaks == [], leaks


def test_a_delivery_not_yet_applied_is_erased_and_cannot_write_the_data_back(app, client, monkeypatch):
    from shop_plugin.events import processing

    seed(client)
    newer = dict(customer_order(299938), updated_at="2030-01-01T00:00:00-05:00")
    real = processing.process_event
    monkeypatch.setattr(processing, "process_event", lambda event_id: None)  # still waiting for its worker
    signed_webhook(client, "orders/updated", newer, webhook_id="late")
    monkeypatch.setattr(processing, "process_event", real)
    signed_webhook(client, "customers/redact", fixture("customers_redact.json"))
    [(status, body)] = query(app, "SELECT status, body FROM webhook_events WHERE webhook_id = 'late'")
    assert status == "ignored" and b"john@example.com" not in bytes(body)
    with app.app_context():
        late = session().scalars(select(WebhookEvent.id).where(WebhookEvent.webhook_id == "late")).one()
        assert processing.process_event(late) is None  # nothing left to apply
    assert query(app, "SELECT email, customer_name FROM orders WHERE shopify_id = 299938") == [(None, None)]


def test_unroutable_mail_from_the_customer_is_erased_too(app, client):
    from shop_plugin.db import utcnow
    from shop_plugin.helpdesk import mail_inbox

    seed(client)
    raw = b"From: John <john@example.com>\r\nTo: nobody@in.example.com\r\nSubject: hi\r\n\r\nMy phone is 555-625-1199"
    with app.app_context():
        row, _ = mail_inbox.store(session(), raw=raw, envelope_to=None, now=utcnow())
        assert mail_inbox.process(session(), inbound_id=row.id, now=utcnow()) == "unroutable"
    signed_webhook(client, "customers/redact", fixture("customers_redact.json"))
    [(sender, body)] = query(app, "SELECT sender, raw FROM inbound_emails")
    assert sender is None and b"555-625" not in bytes(body)


def test_the_export_holds_what_the_app_told_and_kept_about_the_customer(app, client):
    from shop_plugin.db import utcnow
    from shop_plugin.helpdesk.attachments import Attachment
    from shop_plugin.helpdesk.inbound import Incoming, receive
    from shop_plugin.notify.optouts import opt_out
    from shop_plugin.shops import service as shops

    seed(client)
    with app.app_context():
        shop = shops.get(domain=SHOP)
        receive(session(), shop=shop, now=utcnow(), incoming=Incoming(
            source="email", sender="john@example.com", body="Photo of the box attached", subject="Damaged",
            message_id="<photo.1@mail.example.com>", attachments=(Attachment("box.jpg", "image/jpeg", b"\xff" * 10),)))
        opt_out(session(), shop_id=shop.id, email="John@Example.com")
        session().commit()
    signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"))
    with app.app_context():
        export = session().scalars(select(DataRequest)).one().export
    order = next(o for o in export["orders"] if o["shopify_id"] == 299938)
    assert order["promise"]["ship_by"] and order["promise"]["text"]
    assert "nonce" not in json.dumps(export) and "idempotency_key" not in json.dumps(export)
    [conversation] = export["conversations"]
    kinds = [m["kind"] for m in conversation["messages"]]
    assert kinds[0] == "inbound" and conversation["messages"][0]["attachments"] == [
        {"filename": "box.jpg", "content_type": "image/jpeg", "size": 10}]
    assert export["delay_notices_stopped_at"] is not None
    json.dumps(export)


def test_the_export_leaves_out_what_someone_else_wrote_on_the_customers_order_ticket(app, client):
    """Anyone can name an order number: a stranger's message on the buyer's order ticket is the
    stranger's data, not the buyer's, and is not handed over with the buyer's export."""
    seed(client)
    mine = _message(app, "john@example.com", "Where is #299938?", "#299938")
    assert _message(app, "mallory@evil.test", "Mallory writes about #299938, 4 Other Road", "#299938") == mine
    signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"))
    with app.app_context():
        export = session().scalars(select(DataRequest)).one().export
    [conversation] = export["conversations"]
    assert [m["body"] for m in conversation["messages"] if m["kind"] == "inbound"] == ["Where is #299938?"]
    assert not any("Other Road" in m["body"] or "evil.test" in str(m["to"]) for m in conversation["messages"])


def test_a_strangers_erasure_reaches_the_order_ticket_the_buyer_took_over_from_them(app, client):
    seed(client)
    _message(app, "mallory@evil.test", "I am Mallory, 4 Other Road, about #299938", "#299938")
    ticket = _message(app, "john@example.com", "Where is #299938?", "#299938")  # the buyer takes it over
    redact = {"shop_domain": SHOP, "customer": {"id": 424242, "email": "mallory@evil.test"}, "orders_to_redact": []}
    signed_webhook(client, "customers/redact", redact)
    bodies = [body for _, body in query(app, f"SELECT id, body FROM ticket_entries WHERE ticket_id = {ticket}")]
    assert not any("Other Road" in b or "mallory@evil.test" in b for b in bodies)


def test_the_export_keeps_the_customers_messages_from_the_address_on_their_order(app, client):
    """The account is john@example.com; an order of theirs carries john.work@example.com."""
    seed(client)
    with app.app_context():
        session().execute(text("UPDATE orders SET email = 'john.work@example.com' WHERE shopify_id = 299938"))
        session().commit()
    _message(app, "john.work@example.com", "Where is #299938? 1 Secret Lane", "#299938")
    signed_webhook(client, "customers/data_request", fixture("customers_data_request.json"))
    with app.app_context():
        export = session().scalars(select(DataRequest)).one().export
    bodies = [m["body"] for c in export["conversations"] for m in c["messages"] if m["kind"] == "inbound"]
    assert bodies == ["Where is #299938? 1 Secret Lane"]
