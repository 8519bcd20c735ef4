"""A form posted with a lapsed page token acts on nothing, but what it held is shown again on its page."""
from __future__ import annotations

import time
from datetime import timedelta

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from shop_plugin.admin import page_token
from shop_plugin.admin.drafts import FormDraft
from shop_plugin.compliance import service as compliance
from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from tests.admin.support import entries, html_of, page, post, seed_tickets, shop_row
from tests.admin.test_form_tokens import assert_bounced
from tests.admin.test_settings_pages import SUPPORT, saved
from tests.support import OTHER_SHOP, SHOP

REPLY = "Your parcel left Shenzhen on Monday <b>tracking</b> & more."
NOTICE = "was not sent or saved"


def lapsed(path: str, shop: str = SHOP, user: str = "42", key: str = "test-secret-key") -> str:
    """A page token signed more than an hour ago, as a page left open would still hold."""
    class HourAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - page_token.MAX_AGE - 60

    return URLSafeTimedSerializer(key, salt=page_token.SALT, signer=HourAgo).dumps(
        {"shop": shop, "user": user, "path": path})


def reply(token: str, body: str = REPLY) -> dict:
    return {"page_token": token, "action": "message", "kind": "reply", "body": body}


def drafts(app) -> int:
    with app.app_context():
        return session().scalar(select(func.count()).select_from(FormDraft))


def test_a_reply_sent_from_a_page_left_open_is_not_sent_but_shown_again_once(app, installed):
    [ticket] = seed_tickets(app, 1)
    path = f"/tickets/{ticket}"
    assert_bounced(post(installed, path, reply(lapsed(path))), path)
    assert [e.kind for e in entries(app, ticket)] == ["inbound"]  # nothing sent, nothing saved on the ticket
    html = html_of(page(installed, path))
    assert NOTICE in html and "filled in again below" in html
    assert "Your parcel left Shenzhen on Monday &lt;b&gt;tracking&lt;/b&gt; &amp; more.</textarea>" in html
    assert "<b>tracking</b>" not in html
    again = html_of(page(installed, path))  # read once
    assert NOTICE not in again and "Shenzhen" not in again
    assert drafts(app) == 0


def test_the_draft_is_shown_only_to_the_staff_member_and_on_the_page_it_was_typed_on(app, installed):
    [ticket, other] = seed_tickets(app, 2)
    path = f"/tickets/{ticket}"
    post(installed, path, reply(lapsed(path, user="42")))
    assert "Shenzhen" not in html_of(page(installed, f"/tickets/{other}"))
    assert "Shenzhen" not in html_of(page(installed, path, sub="77"))
    assert "Shenzhen" in html_of(page(installed, path, sub="42"))


def test_a_token_that_is_not_the_apps_or_is_for_another_page_or_shop_leaves_no_draft(app, installed):
    [ticket] = seed_tickets(app, 1)
    path = f"/tickets/{ticket}"
    page(installed, "/", shop=OTHER_SHOP)
    for token, shop in ((lapsed(path, key="another-key"), SHOP), (lapsed("/inbox"), SHOP),
                        (lapsed(path, shop=OTHER_SHOP), SHOP), (lapsed(path)[:-3] + "abc", SHOP),
                        (lapsed(path), OTHER_SHOP)):
        assert_bounced(post(installed, path, reply(token), shop=shop), path)
    assert drafts(app) == 0
    assert "Shenzhen" not in html_of(page(installed, path))


def test_a_valid_token_acts_and_leaves_no_draft(app, installed):
    [ticket] = seed_tickets(app, 1)
    path = f"/tickets/{ticket}"
    with app.test_request_context():
        fresh = page_token.issue(shop_domain=SHOP, user_id="42", path=path)
        assert page_token.read_lapsed(fresh) is None and page_token.read_lapsed(lapsed(path)).path == path
    assert post(installed, path, reply(fresh)).status_code == 302
    assert [e.kind for e in entries(app, ticket)] == ["inbound", "reply"]
    assert drafts(app) == 0


def test_an_action_lost_to_a_lapsed_token_is_reported_on_a_page_that_cannot_refill_it(app, installed):
    [ticket] = seed_tickets(app, 1)
    post(installed, "/inbox", {"page_token": lapsed("/inbox"), "bulk": "resolve", "ticket": str(ticket)})
    html = html_of(page(installed, "/inbox"))
    assert NOTICE in html and "Please do it again." in html and "filled in again" not in html
    assert NOTICE not in html_of(page(installed, "/inbox"))


def test_a_draft_older_than_a_day_is_not_shown(app, installed):
    [ticket] = seed_tickets(app, 1)
    path = f"/tickets/{ticket}"
    post(installed, path, reply(lapsed(path)))
    with app.app_context():
        session().execute(update(FormDraft).values(saved_at=utcnow() - timedelta(days=1, minutes=1)))
        session().commit()
    html = html_of(page(installed, path))
    assert "Shenzhen" not in html and NOTICE not in html
    assert drafts(app) == 0


def test_settings_typed_on_a_page_left_open_are_shown_again_not_saved(app, installed):
    post(installed, "/settings/support", {**SUPPORT, "start": "07:15", "version": "0",
                                          "page_token": lapsed("/settings/support")})
    assert saved(app) == {}
    html = html_of(page(installed, "/settings/support"))
    assert NOTICE in html and 'name="start" value="07:15"' in html


def test_a_section_typed_on_a_page_left_open_is_shown_again_not_saved(app, installed):
    form = {"version": "0", "page_token": lapsed("/settings/refunds"), "refund_rules.chargeback_fee": "41.75"}
    post(installed, "/settings/refunds", form)
    assert saved(app) == {}
    html = html_of(page(installed, "/settings/refunds"))
    assert NOTICE in html and 'value="41.75"' in html
    assert 'value="41.75"' not in html_of(page(installed, "/settings/refunds"))


def test_a_customers_erasure_deletes_the_shops_drafts(app, installed):
    [ticket] = seed_tickets(app, 1)
    path = f"/tickets/{ticket}"
    post(installed, path, reply(lapsed(path), body="Dear Buyer 1, your address 12 Main St…"))
    assert drafts(app) == 1
    with app.app_context():
        compliance.redact_customer(shop=shop_row(), payload={"customer": {"email": "buyer1@example.com"},
                                                             "orders_to_redact": [9001]}, event_id=0)
        session().commit()
    assert drafts(app) == 0
