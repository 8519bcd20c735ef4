"""The inbox: filters, search, SLA sort with overdue and due-soon badges, keyset pages, bulk actions."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

from tests.admin.support import (
    NOW,
    add_staff,
    counted_queries,
    html_of,
    page,
    seed_tickets,
    staff_id,
    submit,
    ticket_row,
    token_of,
)
from tests.admin.support import post as post_form


def shown(response) -> list[int]:
    """Ticket ids in the order the table lists them."""
    return [int(i) for i in re.findall(r'name="ticket_id" value="(\d+)"', html_of(response))]


def next_link(response) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', html_of(response))
    return unescape(found.group(1)) if found else None


def test_open_tickets_are_listed_soonest_due_first_with_overdue_and_due_soon_badges(app, installed):
    late, soon, later = seed_tickets(app, 3)
    with app.app_context():
        from shop_plugin.extensions import session
        from shop_plugin.helpdesk.models import Ticket

        session().get(Ticket, late).due_at = NOW - timedelta(hours=2)
        session().get(Ticket, soon).due_at = NOW + timedelta(minutes=30)
        session().get(Ticket, later).due_at = NOW + timedelta(hours=5)
        session().commit()
    response = page(installed, "/inbox")
    assert shown(response) == [late, soon, later]
    html = html_of(response)
    assert html.count(">Overdue<") == 1 and html.count(">Due soon<") == 1
    assert "ago)" in html  # the overdue ticket says how long ago it was due, in words


def test_newest_first_sorts_by_id(app, installed):
    ids = seed_tickets(app, 3)
    assert shown(page(installed, "/inbox", sort="newest")) == sorted(ids, reverse=True)


def test_filters_by_status_priority_reason_and_tag(app, installed):
    a, b, c, d = seed_tickets(app, 4)
    with app.app_context():
        from shop_plugin.extensions import session
        from shop_plugin.helpdesk.models import Ticket

        session().get(Ticket, b).priority = "urgent"
        session().get(Ticket, c).reason = "likely_lost"
        session().get(Ticket, c).tags = ["likely_lost", "vip"]
        row = session().get(Ticket, d)
        row.status, row.due_at = "resolved", None
        session().commit()
    assert shown(page(installed, "/inbox")) == [a, b, c]  # open by default
    assert shown(page(installed, "/inbox", status="resolved")) == [d]
    assert sorted(shown(page(installed, "/inbox", status="all"))) == [a, b, c, d]
    assert shown(page(installed, "/inbox", priority="urgent")) == [b]
    assert shown(page(installed, "/inbox", reason="likely_lost")) == [c]
    assert shown(page(installed, "/inbox", tag="vip")) == [c]
    html = html_of(page(installed, "/inbox", status="nope", tag="Not A Tag!"))
    assert "must be one of" in html and "must be a tag" in html and shown(page(installed, "/inbox", status="x")) == []


def test_filters_by_assignee_mine_unassigned_and_a_person(app, installed):
    a, b, c = seed_tickets(app, 3)
    me, other = staff_id(app), add_staff(app, "Min-ji", 77)
    with app.app_context():
        from shop_plugin.extensions import session
        from shop_plugin.helpdesk.models import Ticket

        session().get(Ticket, a).assignee_id = me
        session().get(Ticket, b).assignee_id = other
        session().commit()
    assert shown(page(installed, "/inbox", assignee="mine")) == [a]
    assert shown(page(installed, "/inbox", assignee="none")) == [c]
    assert shown(page(installed, "/inbox", assignee=str(other))) == [b]
    assert shown(page(installed, "/inbox", assignee="mine", sub="77")) == [b]
    assert "Min-ji" in html_of(page(installed, "/inbox"))


def test_search_finds_order_names_customer_emails_and_message_text(app, installed):
    a, b, c = seed_tickets(app, 3)
    assert shown(page(installed, "/inbox", q="#9002")) == [b]
    assert shown(page(installed, "/inbox", q="9003")) == [c]
    assert shown(page(installed, "/inbox", q="BUYER1@example.com")) == [a]
    assert shown(page(installed, "/inbox", q="where is my order #9001")) == [a]
    assert shown(page(installed, "/inbox", q="nothing like this")) == []


def test_next_page_link_carries_the_cursor_and_the_filters(app, installed):
    ids = seed_tickets(app, 30)
    first = page(installed, "/inbox", priority="normal")
    assert shown(first) == ids[:25]
    link = next_link(first)
    query = parse_qs(urlsplit(link).query)
    assert query["priority"] == ["normal"] and query["cursor"] and query["shop"]
    assert "id_token" not in link
    second = page(installed, "/inbox", **{k: v[0] for k, v in query.items() if k != "shop"})
    assert shown(second) == ids[25:]
    assert next_link(second) is None
    assert "First page" in html_of(second)


def test_newest_first_pages_too(app, installed):
    ids = seed_tickets(app, 27)
    first = page(installed, "/inbox", sort="newest")
    cursor = parse_qs(urlsplit(next_link(first)).query)["cursor"][0]
    second = page(installed, "/inbox", sort="newest", cursor=cursor)
    assert shown(first) + shown(second) == sorted(ids, reverse=True)


def test_a_cursor_from_another_sort_is_an_error_not_a_crash(app, installed):
    seed_tickets(app, 27)
    cursor = parse_qs(urlsplit(next_link(page(installed, "/inbox", sort="newest"))).query)["cursor"][0]
    response = page(installed, "/inbox", sort="due", cursor=cursor)
    assert response.status_code == 200 and "must be a next_cursor" in html_of(response)


def test_bulk_assign_and_resolve_the_ticked_tickets(app, installed):
    a, b, c = seed_tickets(app, 3)
    other = add_staff(app, "Min-ji", 77)
    response = submit(installed, "/inbox", {"bulk": "assign", "assignee_id": str(other), "ticket_id": [str(a), str(b)]},
                      priority="normal")
    assert response.status_code == 302
    location = parse_qs(urlsplit(response.headers["Location"]).query)
    assert location["done"] == ["assign"] and location["n"] == ["2"] and location["priority"] == ["normal"]
    assert [ticket_row(app, i).assignee_id for i in (a, b, c)] == [other, other, None]
    submit(installed, "/inbox", {"bulk": "resolve", "ticket_id": [str(b), str(c)]})
    assert [ticket_row(app, i).status for i in (a, b, c)] == ["open", "resolved", "resolved"]
    assert "Resolved 2 ticket(s)." in html_of(page(installed, "/inbox", done="resolve", n="2"))


def test_bulk_with_nothing_ticked_shows_the_error_and_changes_nothing(app, installed):
    [a] = seed_tickets(app, 1)
    response = submit(installed, "/inbox", {"bulk": "resolve"})
    assert response.status_code == 422 and "tick at least one ticket" in html_of(response)
    assert "page_token" in html_of(response) and response.headers["Referrer-Policy"] == "no-referrer"
    assert ticket_row(app, a).status == "open"


def test_bulk_cannot_touch_another_shops_tickets(app, installed):
    from tests.support import OTHER_SHOP

    [theirs] = seed_tickets(app, 1)
    page(installed, "/", shop=OTHER_SHOP)
    token = token_of(page(installed, "/inbox", shop=OTHER_SHOP))
    post_form(installed, "/inbox", {"page_token": token, "bulk": "resolve", "ticket_id": str(theirs)}, shop=OTHER_SHOP)
    assert ticket_row(app, theirs).status == "open"


def test_a_customer_subject_with_markup_is_escaped(app, installed):
    seed_tickets(app, 1, title="<script>alert('x')</script>")
    html = html_of(page(installed, "/inbox"))
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_the_inbox_costs_the_same_queries_for_10_or_100_tickets(app, installed):
    me = staff_id(app)
    counts = []
    for start, count in ((1, 10), (11, 90)):
        seed_tickets(app, count, start=start, assignee_id=me)
        page(installed, "/inbox")  # warm: staff seen, token fresh
        with counted_queries(app) as statements:
            response = page(installed, "/inbox")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert len(shown(page(installed, "/inbox"))) == 25


def test_digits_that_are_not_ascii_are_field_errors_not_crashes(app, installed):
    [a] = seed_tickets(app, 1)
    response = page(installed, "/inbox", assignee="²")
    assert response.status_code == 200 and "must be a staff member id" in html_of(response)
    response = submit(installed, "/inbox", {"bulk": "assign", "assignee_id": "١", "ticket_id": ["²", str(a)]})
    assert response.status_code == 422 and "must be the id of a staff member" in html_of(response)
    assert ticket_row(app, a).assignee_id is None
