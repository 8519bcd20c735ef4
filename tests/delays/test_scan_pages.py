"""The scan acts on a page of slipped orders at once: one ticket, one line and one notice per order and
reason however many slip together, and nothing twice however often, or how concurrently, it runs."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from shop_plugin.delays import service as delays
from shop_plugin.delays.models import OrderCheck
from shop_plugin.effects.models import Effect
from shop_plugin.extensions import session
from shop_plugin.helpdesk import service as helpdesk
from shop_plugin.helpdesk.models import Ticket, TicketEntry
from shop_plugin.notify.models import Notice
from shop_plugin.orders.models import Order
from shop_plugin.promises import service as promises
from shop_plugin.promises.models import OrderPromise
from shop_plugin.shops import service as shops
from shop_plugin.shops.models import Shop
from tests.delays.test_delay_pipeline import RULES
from tests.support import SHOP, backdate_install, bearer, session_token

SEOUL = ZoneInfo("Asia/Seoul")
SHIP_BY = date.today() - timedelta(days=2)
AT = datetime.combine(SHIP_BY + timedelta(days=1), time(1), SEOUL)  # an hour after the ship-by day ended
PLACED = AT - timedelta(days=3)


@pytest.fixture
def desk(make_app, smtp_server):
    url, sink = smtp_server
    app = make_app(env={"SMTP_URL": url})
    client = app.test_client()
    client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}")
    backdate_install(app)
    assert client.put("/api/settings", json=RULES, headers=bearer()).status_code == 200
    return app, sink


def seed(app, order_ids, *, slipped: bool = True, placed: datetime = PLACED) -> None:
    """Orders with a promise and a check due before AT: slipped ones were to ship by SHIP_BY."""
    ship_by = SHIP_BY if slipped else AT.date() + timedelta(days=5)
    with app.app_context():
        s, shop = session(), shops.get(domain=SHOP)
        for n in order_ids:
            s.add(Order(shop_id=shop.id, shopify_id=n, name=f"#{n}", email=f"buyer{n}@example.com",
                        customer_locale="en", destination_country="KR", financial_status="paid", currency="USD",
                        total_price=Decimal("25.00"), created_at=placed, updated_at=placed))
            s.add(OrderPromise(shop_id=shop.id, order_shopify_id=n, ship_from=placed.date(), ship_by=ship_by,
                               deliver_from=ship_by + timedelta(days=5), deliver_to=ship_by + timedelta(days=15),
                               locale="en", text="Ships soon."))
            s.add(OrderCheck(shop_id=shop.id, order_shopify_id=n, next_check_at=AT - timedelta(minutes=5),
                             active_reasons=[], state="watching", created_at=placed))
        s.commit()


def counts(app) -> dict:
    with app.app_context():
        s = session()
        return {
            "tickets": Counter(s.scalars(select(Ticket.order_shopify_id))),
            "lines": Counter(s.scalars(select(Ticket.order_shopify_id).join(TicketEntry,
                                                                            TicketEntry.ticket_id == Ticket.id))),
            "notices": Counter(s.scalars(select(Notice.order_shopify_id))),
            "effects": s.scalar(select(func.count()).select_from(Effect).where(Effect.kind == "delay_notice")),
        }


def test_a_page_of_slipped_orders_gets_one_ticket_line_and_notice_each(desk):
    app, sink = desk
    seed(app, range(101, 113))
    seed(app, range(201, 206), slipped=False)
    with app.app_context():
        assert delays.scan(session(), now=AT, limit=5) == {"checked": 17, "breaches": 12}
    slipped = set(range(101, 113))
    after = counts(app)
    assert after["tickets"] == Counter(slipped) and after["lines"] == Counter(slipped)
    assert after["notices"] == Counter(slipped) and after["effects"] == 12
    assert sorted(m["To"] for m in sink.messages) == sorted(f"buyer{n}@example.com" for n in slipped)
    with app.app_context():
        s = session()
        tickets = s.scalars(select(Ticket)).all()
        assert {(t.reason, t.status, t.priority, tuple(t.tags)) for t in tickets} == {
            ("late_dispatch", "open", "normal", ("delay", "late_dispatch"))}
        assert all(t.first_response_due_at > t.created_at == AT for t in tickets)
        assert all(e.body.startswith("Detected late dispatch") for e in s.scalars(select(TicketEntry)))
        checks = {c.order_shopify_id: c for c in s.scalars(select(OrderCheck))}
        assert {n for n, c in checks.items() if c.active_reasons == ["late_dispatch"]} == slipped
        assert all(c.next_check_at > AT for c in checks.values())

        assert delays.scan(session(), now=AT + timedelta(minutes=1), limit=5) == {"checked": 0, "breaches": 0}
    assert counts(app) == after and len(sink.messages) == 12


def test_checks_due_again_open_nothing_new(desk):
    app, sink = desk
    seed(app, range(101, 107))
    with app.app_context():
        delays.scan(session(), now=AT, limit=4)
        session().execute(OrderCheck.__table__.update().values(next_check_at=AT))  # all due again
        session().commit()
        assert delays.scan(session(), now=AT + timedelta(hours=1), limit=4) == {"checked": 6, "breaches": 6}
    assert counts(app)["lines"] == Counter(range(101, 107)) and len(sink.messages) == 6


def test_an_order_with_an_open_ticket_for_the_reason_gets_a_line_not_a_second_ticket(desk):
    app, sink = desk
    seed(app, [101, 102, 103])
    with app.app_context():
        s, shop = session(), shops.get(domain=SHOP)
        earlier, _ = helpdesk.open_or_update(s, shop=shop, order_id=102, reason="late_dispatch", note="By hand.",
                                             settings=promises.get_settings(s, shop=shop)[0],
                                             now=AT - timedelta(days=1))
        s.commit()
        delays.scan(session(), now=AT)
        tickets = {t.order_shopify_id: t for t in session().scalars(  # the scan may have used other sessions
            select(Ticket).execution_options(populate_existing=True))}
        assert tickets[102].id == earlier.id and tickets[102].updated_at == AT
    assert counts(app)["tickets"] == Counter([101, 102, 103])
    assert counts(app)["lines"] == Counter([101, 102, 102, 103])


def test_customers_of_orders_placed_before_the_install_get_no_notice(desk):
    app, sink = desk
    with app.app_context():
        session().execute(Shop.__table__.update().values(installed_at=PLACED))
        session().commit()
    seed(app, [101, 102], placed=PLACED - timedelta(hours=1))
    seed(app, [103, 104], placed=PLACED + timedelta(hours=1))
    with app.app_context():
        delays.scan(session(), now=AT)
    assert counts(app)["tickets"] == Counter([101, 102, 103, 104])
    assert counts(app)["notices"] == Counter([103, 104])
    assert sorted(m["To"] for m in sink.messages) == ["buyer103@example.com", "buyer104@example.com"]


@pytest.mark.parametrize("workers", [1, 3])
def test_two_scans_at_once_act_on_each_order_once(desk, workers):
    """Each scan holds its page until it commits (PostgreSQL: rows locked, others skip them;
    SQLite: the write lock), so the second never acts on what the first is acting on."""
    app, sink = desk
    slipped = range(101, 121)
    seed(app, slipped)
    seed(app, range(201, 206), slipped=False)
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                results.append(delays.scan(session(), now=AT, limit=3, workers=workers))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["checked"] for r in results) == 25 and sum(r["breaches"] for r in results) == 20
    after = counts(app)
    assert after["tickets"] == Counter(slipped) and after["lines"] == Counter(slipped)
    assert after["notices"] == Counter(slipped) and after["effects"] == 20
    assert len(sink.messages) == 20


def test_the_scan_compares_instants_in_any_time_zone(desk):
    """`now` may come in any zone (the database's, the shop's): the verdict is the same instant."""
    app, _ = desk
    seed(app, [101])
    end_of_ship_by = datetime.combine(SHIP_BY + timedelta(days=1), time(0), SEOUL)
    with app.app_context():
        session().execute(OrderCheck.__table__.update().values(next_check_at=PLACED))
        session().commit()
        for zone in (UTC, SEOUL, ZoneInfo("America/Los_Angeles")):
            session().execute(OrderCheck.__table__.update().values(next_check_at=PLACED))
            session().commit()
            before = (end_of_ship_by - timedelta(seconds=1)).astimezone(zone)
            assert delays.scan(session(), now=before) == {"checked": 1, "breaches": 0}
            assert session().scalars(select(OrderCheck.next_check_at)).one() == end_of_ship_by
    assert counts(app)["tickets"] == Counter()


def test_a_shop_that_left_gets_nothing_and_its_checks_end(desk):
    app, sink = desk
    seed(app, [101, 102, 103])
    with app.app_context():
        session().execute(Shop.__table__.update().values(uninstalled_at=PLACED))
        session().commit()
        assert delays.scan(session(), now=AT) == {"checked": 0, "breaches": 0}
        states = set(session().execute(select(OrderCheck.state, OrderCheck.next_check_at)))
    assert states == {("gone", None)} and counts(app)["tickets"] == Counter() and sink.messages == []
