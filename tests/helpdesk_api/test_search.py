"""GET /api/tickets?q=: substring search over titles, addresses, order names and messages, one shop
at a time, on SQLite and PostgreSQL (where GIN trigram indexes serve it)."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import text

from shop_plugin.helpdesk.models import POSTGRES_ONLY_INDEXES
from tests.helpdesk_api import rows
from tests.helpdesk_api.rows import NOW
from tests.support import OTHER_SHOP, bearer


def found(client, q: str, extra: str = "", shop=None) -> list[int]:
    response = client.get(f"/api/tickets?q={quote(q)}{extra}", headers=bearer(shop) if shop else bearer())
    assert response.status_code == 200, response.json
    return [t["id"] for t in response.json["tickets"]]


def walk(client, q: str, sort: str) -> list[int]:
    """Every page of a search, two tickets at a time."""
    seen, cursor = [], ""
    while True:
        body = client.get(f"/api/tickets?q={quote(q)}&sort={sort}&limit=2{cursor}", headers=bearer()).json
        seen += [t["id"] for t in body["tickets"]]
        if body["next_cursor"] is None:
            return seen
        cursor = f"&cursor={body['next_cursor']}"


def test_a_part_of_a_message_title_address_or_order_name_finds_the_ticket(app, client):
    rows.order(app, 7001, name="#SP-7001-B")
    by_order = rows.ticket(app, order_shopify_id=7001)
    by_email = rows.ticket(app, customer_email="jieun.park@example.org")
    by_title = rows.ticket(app, title="Parcel arrived damaged")
    by_text = rows.ticket(app, title="Question")
    rows.entry(app, by_text, body="Hello,\nthe box arrived completely crushed. Can you help?")
    rows.entry(app, by_text, kind="reply", body="Sorry to hear that")
    assert found(client, "7001-b") == [by_order]
    assert found(client, "un.pa") == [by_email]
    assert found(client, "rived dam") == [by_title]
    assert found(client, "completely crush") == [by_text]
    assert found(client, "to hear") == [by_text]  # any message of the ticket, replies included
    assert found(client, "arrived") == [by_text, by_title]
    assert found(client, "nothing like it") == []


def test_search_ignores_case(app, client):
    by_title = rows.ticket(app, title="Damaged Parcel")
    by_text = rows.ticket(app)
    rows.entry(app, by_text, body="The box arrived CRUSHED")
    by_email = rows.ticket(app, customer_email="mina@example.com")
    assert found(client, "dAMAGED parcel") == [by_title]
    assert found(client, "crushed") == [by_text]
    assert found(client, "MINA@EXAMPLE") == [by_email]


def test_another_shops_tickets_never_match(app, client):
    mine = rows.ticket(app, title="Lost parcel", customer_email="kim@example.com")
    rows.entry(app, mine, body="Tracking says delivered")
    rows.order(app, 7002, shop=OTHER_SHOP, email="kim@example.com")
    theirs = rows.ticket(app, shop=OTHER_SHOP, title="Lost parcel", customer_email="kim@example.com",
                         order_shopify_id=7002)
    rows.entry(app, theirs, shop=OTHER_SHOP, body="Tracking says delivered")
    for q in ("lost parcel", "delivered", "kim@exam", "kim@example.com", "7002", "#7002"):
        assert theirs not in found(client, q), q
    assert found(client, "delivered") == [mine]
    assert found(client, "kim@example.com") == [mine]
    assert found(client, "#7002") == []
    assert found(client, "delivered", shop=OTHER_SHOP) == [theirs]


def test_percent_and_underscore_match_only_themselves(app, client):
    percent, digits = rows.ticket(app), rows.ticket(app)
    rows.entry(app, percent, body="I was promised 50% off")
    rows.entry(app, digits, body="I was promised 500 off")
    underscore = rows.ticket(app, title="ref_no 12")
    rows.ticket(app, title="refXno 12")
    assert found(client, "50%") == [percent]
    assert found(client, "0% o") == [percent]
    assert found(client, "f_n") == [underscore]
    assert found(client, "_no") == [underscore]


def test_one_or_two_characters_are_refused_unless_a_whole_order_number(app, client):
    rows.order(app, 7, name="#7")
    by_order = rows.ticket(app, order_shopify_id=7)
    for q in ("QZ", "a", "#ab", "%"):
        response = client.get(f"/api/tickets?q={quote(q)}", headers=bearer())
        assert response.status_code == 400 and "at least 3 characters" in response.json["errors"]["q"], q
    assert found(client, "#7") == [by_order] and found(client, "7") == [by_order]


def test_the_service_searches_short_text_in_titles_addresses_and_order_names_only(app):
    from shop_plugin.extensions import session
    from shop_plugin.helpdesk.service import Filters, get_all
    from shop_plugin.shops import service as shops
    from tests.support import SHOP

    rows.order(app, 7003, name="#QZ7003")
    by_order = rows.ticket(app, order_shopify_id=7003)
    by_title = rows.ticket(app, title="qz question")
    by_email = rows.ticket(app, customer_email="qz@example.com")
    by_text = rows.ticket(app)
    rows.entry(app, by_text, body="qz question in a message")
    with app.app_context():
        def ids(q):
            return [t.id for t in get_all(session(), shop=shops.get_or_create(domain=SHOP), filters=Filters(q=q))]
        assert ids("QZ") == [by_email, by_title, by_order]
        assert ids("z q") == [by_text, by_title]  # three characters: messages too


def test_a_whole_address_finds_the_customers_tickets_and_the_tickets_of_their_orders(app, client):
    rows.order(app, 7004, email="Kim@Example.com")
    on_order = rows.ticket(app, order_shopify_id=7004)
    from_mail = rows.ticket(app, customer_email="kim@example.com")
    rows.ticket(app, customer_email="kimberly@example.com")
    assert found(client, "Kim@Example.com") == [from_mail, on_order]


@pytest.mark.parametrize("sort", ["newest", "due"])
def test_pages_of_a_search_hold_every_match_once_whichever_way_it_matched(app, client, sort):
    rows.order(app, 7005, name="#7005-refund")
    matches = []
    for n in range(9):
        due = NOW + timedelta(hours=(n * 5) % 9) if n % 3 else None
        way = n % 3
        ticket = rows.ticket(app, due_at=due, title="refund asked" if way == 0 else "Question",
                             order_shopify_id=7005 if way == 1 else None)
        if way == 2 or n == 4:  # n == 4 matches by its order and by a message
            rows.entry(app, ticket, body="I want a refund")
        matches.append(ticket)
        rows.entry(app, rows.ticket(app, due_at=due, title="Question"), body="Where is it?")  # no match
    seen = walk(client, "refund", sort)
    assert sorted(seen) == sorted(matches) and len(seen) == len(set(seen))
    assert seen == found(client, "refund", f"&sort={sort}&limit=50")


def test_search_combines_with_the_other_filters(app, client):
    member = rows.staff(app, user_id=11, name="Joon")
    open_one = rows.ticket(app, title="refund please", assignee_id=member)
    pending = rows.ticket(app, status="pending")
    rows.entry(app, pending, body="refund please")
    rows.ticket(app, title="refund please", status="resolved")
    assert found(client, "refund", "&status=pending") == [pending]
    assert found(client, "refund", f"&assignee_id={member}") == [open_one]
    assert found(client, "refund", "&status=open&sort=due") == [open_one]


def test_on_postgresql_trigram_indexes_serve_the_search(app):
    engine = app.extensions["database"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("GIN trigram indexes are PostgreSQL's")
    with engine.connect() as conn:
        definitions = dict(conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:names)"),
            {"names": sorted(POSTGRES_ONLY_INDEXES)}).all())
    assert set(definitions) == POSTGRES_ONLY_INDEXES
    for definition in definitions.values():
        assert "USING gin (shop_id, " in definition and "gin_trgm_ops" in definition
        assert "gin_pending_list_limit='128'" in definition


def test_on_postgresql_a_tag_and_assignee_list_walks_the_assignee_index_newest_first(app, client):
    """Statistics on the tag expression (migration 8d2f5c3b1a70) tell the planner how many tickets
    carry a tag; without them it read all of an assignee's tickets and sorted them."""
    engine = app.extensions["database"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("expression statistics are PostgreSQL's")
    for n in range(300):
        rows.ticket(app, assignee_id=None, tags=["delay", "not-received"] if n % 7 == 0 else ["delay"])
    with engine.connect() as conn:
        conn.execute(text("UPDATE tickets SET assignee_id = NULL"))
        conn.execute(text("ANALYZE tickets"))
        conn.commit()
        assert conn.execute(text("SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'st_tickets_tags_text'")
                            ).scalar() == 1
        plan = "\n".join(r[0] for r in conn.execute(text(
            "EXPLAIN SELECT id FROM tickets WHERE shop_id = 1 AND assignee_id IS NULL AND "
            "CAST(tags AS VARCHAR) LIKE '%\"not-received\"%' ORDER BY id DESC LIMIT 51")))
    estimated = int(plan.split("rows=")[2].split()[0])  # the scan under the Limit
    assert estimated >= 10, f"the planner should know about 1 in 7 tickets has the tag:\n{plan}"
