"""Anyone can write with the buyer's address: a customer message triggers an automatic refund only
when its sender is proven (the mail provider's SPF/DKIM/DMARC verdict, or the contact form of the
order's logged-in customer). Unproven messages still raise the prompt for the merchant to decide."""
from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from shop_plugin.helpdesk.sender_auth import verified
from tests.helpdesk_mail.conftest import ORDER, compose
from tests.helpdesk_mail.test_contact_form import post as post_form
from tests.support import bearer, proxy_query

PROVIDER = "mx.in.example"
AUTO = {"refund_rules": {"automatic": {"enabled": True, "triggers": ["customer_intent"],
                                       "max_order_amount": "1000.00", "max_per_day": 5}}}
REFUND_PLEASE = f"Order {ORDER['name']} never arrived, I want a refund."


def results(*values: str) -> str:
    return "".join(f"Authentication-Results: {value}\r\n" for value in values)


def parsed(headers: str):
    return BytesParser(policy=policy.default).parsebytes(compose(headers=headers))


@pytest.mark.parametrize("headers, sender, expected", [
    (results(f"{PROVIDER}; dmarc=pass (p=reject) header.from=example.com"), "kim@example.com", True),
    (results(f"{PROVIDER}; dkim=pass header.d=example.com; spf=fail smtp.mailfrom=x@evil.test"),
     "kim@mail.example.com", True),  # DKIM of the parent domain: aligned
    (results(f"{PROVIDER}; spf=pass smtp.mailfrom=bounce@mail.example.com"), "kim@example.com", True),
    (results(f"{PROVIDER}; dkim=pass header.d=evil.test; spf=pass smtp.mailfrom=evil.test"), "kim@example.com",
     False),  # passes, but for someone else's domain
    (results(f"{PROVIDER}; dmarc=fail header.from=example.com; dkim=none; spf=softfail"), "kim@example.com", False),
    (results(f"{PROVIDER}; dkim=fail header.d=example.com", f"{PROVIDER}; dkim=pass header.d=example.com"),
     "kim@example.com", False),  # the provider's own header is the topmost; a lower one may be the sender's
    (results("mx.someone-else.test; dmarc=pass header.from=example.com"), "kim@example.com", None),
    (results("this is not ; a = valid ( header"), "kim@example.com", None),
    ("", "kim@example.com", None),
])
def test_only_the_providers_verdict_on_the_from_domain_counts(headers, sender, expected):
    assert verified(parsed(headers), sender, PROVIDER) is expected


def test_without_a_configured_provider_no_sender_is_verified():
    message = parsed(results(f"{PROVIDER}; dmarc=pass header.from=example.com"))
    assert verified(message, "kim@example.com", None) is None


def desk_with_order(make_desk, **env):
    desk = make_desk(env={"INBOUND_AUTHSERV_ID": PROVIDER, **env})
    desk.order()
    desk.settings(AUTO)
    return desk


def prompts(desk) -> list[dict]:
    return desk.client.get("/api/refund-prompts", headers=bearer()).json["prompts"]


def test_a_verified_customer_email_may_trigger_the_automatic_refund(make_desk, fake_shopify):
    desk = desk_with_order(make_desk)
    headers = results(f"{PROVIDER}; dkim=pass header.d=example.com; dmarc=pass header.from=example.com")
    assert desk.post(compose(REFUND_PLEASE, headers=headers)).status_code == 202
    [prompt] = prompts(desk)
    assert prompt["trigger"] == "customer_intent" and prompt["status"] == "refunded"
    assert len(fake_shopify.graphql_calls("refundCreate")) == 1
    assert [e.sender_verified for e in desk.entries(kind="inbound")] == [True]
    assert [m["Auto-Submitted"] for m in desk.sink.messages] == ["auto-replied"]  # the acknowledgement


def test_a_spoofed_customer_email_raises_the_prompt_but_refunds_nothing_and_is_not_answered(make_desk,
                                                                                           fake_shopify):
    desk = desk_with_order(make_desk)
    headers = results(f"{PROVIDER}; dkim=none; spf=fail smtp.mailfrom=kim@example.com; dmarc=fail "
                      "header.from=example.com")
    assert desk.post(compose(REFUND_PLEASE, headers=headers)).status_code == 202
    [prompt] = prompts(desk)
    assert prompt["status"] == "pending" and "not verified" in prompt["error"]
    assert fake_shopify.graphql_calls("refundCreate") == []
    [ticket] = desk.tickets()
    notes = [e.body for e in desk.entries(ticket.id, kind="system")]
    assert any("could not verify that kim@example.com sent this message" in n for n in notes)
    assert desk.entries(kind="inbound")[0].sender_verified is False
    assert desk.entries(kind="outbound") == [] and desk.sink.messages == []  # no acknowledgement to it


def test_unchecked_mail_raises_the_prompt_for_the_merchant_only(make_desk, fake_shopify):
    desk = desk_with_order(make_desk, INBOUND_AUTHSERV_ID="")
    assert desk.post(compose(REFUND_PLEASE, headers=results(f"{PROVIDER}; dmarc=pass"))).status_code == 202
    [prompt] = prompts(desk)
    assert prompt["status"] == "pending" and "not verified" in prompt["error"]
    assert fake_shopify.graphql_calls("refundCreate") == []


@pytest.mark.parametrize("logged_in, refunded", [(str(ORDER["customer"]["id"]), True), ("999", False), ("", False)])
def test_the_contact_form_may_trigger_it_only_for_the_orders_logged_in_customer(make_desk, fake_shopify, logged_in,
                                                                                refunded):
    desk = desk_with_order(make_desk)
    query = proxy_query({"logged_in_customer_id": logged_in})  # Shopify signs it into the proxy query
    assert post_form(desk, {"message": REFUND_PLEASE, "order": ORDER["name"]}, query=query).status_code == 200
    [prompt] = prompts(desk)
    assert prompt["status"] == ("refunded" if refunded else "pending")
    assert len(fake_shopify.graphql_calls("refundCreate")) == int(refunded)
