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
AUTO = {"refund_rules": {"automatic": {"enabled": True, "triggers": ["customer_intent", "repeated_contact"],
                                       "max_order_amount": "1000.00", "max_per_day": 5}}}
REFUND_PLEASE = f"Order {ORDER['name']} never arrived, I want a refund."


def results(*values: str) -> str:
    return "".join(f"Authentication-Results: {value}\r\n" for value in values)


def parsed(headers: str, sender: str = "kim@example.com", froms: str | None = None):
    raw = compose(sender=sender, headers=headers)
    if froms is not None:
        raw = raw.replace(f"From: Customer <{sender}>\r\n".encode(), froms.encode())
    return BytesParser(policy=policy.default).parsebytes(raw)


@pytest.mark.parametrize("headers, sender, expected", [
    (results(f"{PROVIDER}; dmarc=pass (p=reject) header.from=example.com"), "kim@example.com", True),
    (results(f"{PROVIDER}; dkim=pass header.d=example.com; spf=fail smtp.mailfrom=x@evil.test"), "kim@example.com",
     True),
    (results(f"{PROVIDER.upper()} 1; dkim=pass header.d=EXAMPLE.COM."), "kim@example.com", True),
    (results(f"{PROVIDER}; dkim=pass header.i=@example.com"), "kim@example.com", True),
    (results(f"{PROVIDER}; spf=pass smtp.mailfrom=bounce@example.com"), "kim@example.com", True),
    (results(f"{PROVIDER};\r\n dkim=pass\r\n header.d=example.com"), "kim@example.com", True),  # folded
    # passes for another domain than the From's: a parent, a neighbour under a public suffix, someone else
    (results(f"{PROVIDER}; dkim=pass header.d=example.com"), "kim@mail.example.com", None),
    (results(f"{PROVIDER}; dkim=pass header.d=attacker.github.io"), "kim@github.io", None),
    (results(f"{PROVIDER}; dkim=pass header.d=evil.test; spf=pass smtp.mailfrom=evil.test"), "kim@example.com",
     None),
    (results(f"{PROVIDER}; dmarc=pass"), "kim@example.com", None),  # DMARC for which From?
    (results(f"{PROVIDER}; dmarc=fail header.from=example.com; dkim=none; spf=softfail"), "kim@example.com", False),
    (results(f"{PROVIDER}; dkim=none; spf=neutral smtp.mailfrom=example.com"), "kim@example.com", None),
    (results(f"{PROVIDER}; none"), "kim@example.com", None),
    # only the provider's header, the first from the top naming it, counts; one it cannot read vouches for nothing
    (results(f"{PROVIDER}; dkim=fail header.d=example.com", f"{PROVIDER}; dkim=pass header.d=example.com"),
     "kim@example.com", None),
    (results(f'"{PROVIDER}"; dmarc=fail header.from=example.com', f"{PROVIDER}; dmarc=pass header.from=example.com"),
     "kim@example.com", None),  # the id quoted (authres cannot read it) or after a comment: the provider's
    (results(f"(relay) {PROVIDER}; dmarc=fail header.from=example.com",
             f"{PROVIDER}; dmarc=pass header.from=example.com"), "kim@example.com", False),
    (results(f"{PROVIDER}; spf=fail smtp.mailfrom=\"a(\"@evil.test",
             f"{PROVIDER}; dmarc=pass header.from=example.com"), "kim@example.com", None),
    (results(f"{PROVIDER}; spf=fail smtp.mailfrom==?utf-8?q?x=3B_dkim=3Dpass_header.d=3Dexample.com?=@evil.test"),
     "kim@example.com", None),  # an encoded word is the envelope sender's text, not results
    (results(f"{PROVIDER}; dkim=pass header.d=example.com (" + "x" * 9000 + ")"), "kim@example.com", None),
    (results("mx.someone-else.test; dmarc=pass header.from=example.com"), "kim@example.com", None),
    (results("this is not ; a = valid ( header"), "kim@example.com", None),
    ("", "kim@example.com", None),
])
def test_only_the_providers_verdict_on_the_from_domain_counts(headers, sender, expected):
    assert verified(parsed(headers, sender), sender, PROVIDER) is expected


@pytest.mark.parametrize("froms, expected", [
    ("From: Kim <kim@example.com>\r\nFrom: Mallory <mallory@example.com>\r\n", False),
    ("From: Kim <kim@example.com>, Mallory <mallory@example.com>\r\n", False),
    ("Sender: Kim <kim@example.com>\r\n", None),  # no From: DMARC checked nothing of this
    ("From: \r\nSender: Kim <kim@example.com>\r\n", None),
    ("From: :;e\r\nSender: kim@example.com\r\n", None),  # a From the parser chokes on: no crash
    ("From: kim@example.com <mallory@example.com>\r\n", None),  # the parser guesses one of two
    ("From: <kim@example.com> <mallory@example.com>\r\n", None),
])
def test_a_mail_without_exactly_one_from_address_is_never_verified(froms, expected):
    message = parsed(results(f"{PROVIDER}; dmarc=pass header.from=example.com"), froms=froms)
    assert verified(message, "kim@example.com", PROVIDER) is expected


def test_a_flood_of_other_servers_headers_does_not_hide_the_providers():
    """Headers naming other servers are skipped without being parsed."""
    noise = results(*[f"mx{i}.other.test; dkim=pass header.d=example.com (" + "y" * 2000 + ")" for i in range(400)])
    message = parsed(noise + results(f"{PROVIDER}; dmarc=pass header.from=example.com"))
    assert verified(message, "kim@example.com", PROVIDER) is True


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
    assert any("may not come from kim@example.com" in n for n in notes)
    assert desk.entries(kind="inbound")[0].sender_verified is False
    assert desk.entries(kind="outbound") == [] and desk.sink.messages == []  # no acknowledgement to it


@pytest.mark.parametrize("first_two, refunded", [("pass", True), ("fail", False)])
def test_repeated_contact_refunds_automatically_only_when_every_message_counted_is_proven(make_desk, fake_shopify,
                                                                                          first_two, refunded):
    desk = desk_with_order(make_desk)
    verdict = {"pass": results(f"{PROVIDER}; dkim=pass header.d=example.com"),
               "fail": results(f"{PROVIDER}; dmarc=fail header.from=example.com")}
    for n, outcome in enumerate((first_two, first_two, "pass")):
        body = f"Hello again about {ORDER['name']} ({n})"  # no refund words: only the count triggers
        assert desk.post(compose(body, headers=verdict[outcome])).status_code == 202
    [prompt] = prompts(desk)
    assert prompt["trigger"] == "repeated_contact"
    assert prompt["status"] == ("refunded" if refunded else "pending")
    assert len(fake_shopify.graphql_calls("refundCreate")) == int(refunded)


def test_other_senders_verified_mail_does_not_count_toward_an_automatic_repeated_contact_refund(make_desk,
                                                                                              fake_shopify):
    desk = desk_with_order(make_desk)
    for n in range(2):
        assert desk.post(compose(f"About {ORDER['name']} ({n})", sender="mallory@evil.test", headers=results(
            f"{PROVIDER}; dkim=pass header.d=evil.test; dmarc=pass header.from=evil.test"))).status_code == 202
    assert desk.post(compose(f"Hello about {ORDER['name']}", headers=results(
        f"{PROVIDER}; dkim=pass header.d=example.com"))).status_code == 202
    [prompt] = prompts(desk)
    assert prompt["trigger"] == "repeated_contact" and prompt["status"] == "pending"
    assert fake_shopify.graphql_calls("refundCreate") == []


@pytest.mark.parametrize("padding", [
    "X-Pad: j\r\n" * 500 + "From: Mallory <mallory@example.com>\r\n",  # a second From past the header cap
    "X-Long: " + "x" * 17000 + "\r\n",  # any header cut: what was read is not all there was
])
def test_a_mail_whose_headers_were_cut_is_never_verified(make_desk, padding):
    desk = desk_with_order(make_desk)
    headers = results(f"{PROVIDER}; dkim=pass header.d=example.com") + padding
    assert desk.post(compose(f"Hello about {ORDER['name']}", headers=headers)).status_code == 202
    assert [e.sender_verified for e in desk.entries(kind="inbound")] == [None]


def test_unchecked_mail_raises_the_prompt_for_the_merchant_only(make_desk, fake_shopify):
    desk = desk_with_order(make_desk, INBOUND_AUTHSERV_ID="")
    assert desk.post(compose(REFUND_PLEASE, headers=results(f"{PROVIDER}; dmarc=pass"))).status_code == 202
    [prompt] = prompts(desk)
    assert prompt["status"] == "pending" and "not verified" in prompt["error"]
    assert fake_shopify.graphql_calls("refundCreate") == []


@pytest.mark.parametrize("logged_in, typed, refunded", [
    (str(ORDER["customer"]["id"]), ORDER["email"], True), ("999", ORDER["email"], False), ("", ORDER["email"], False),
    (str(ORDER["customer"]["id"]), "victim@example.org", False),  # their account, someone else's address
])
def test_the_contact_form_may_trigger_it_only_for_the_orders_logged_in_customer(make_desk, fake_shopify, logged_in,
                                                                                typed, refunded):
    desk = desk_with_order(make_desk)
    query = proxy_query({"logged_in_customer_id": logged_in})  # Shopify signs it into the proxy query
    data = {"message": REFUND_PLEASE, "order": ORDER["name"], "email": typed}
    assert post_form(desk, data, query=query).status_code == 200
    assert [p["status"] for p in prompts(desk)] == (["refunded"] if refunded else ["pending"] if typed == ORDER[
        "email"] else [])  # another address does not speak for the order at all
    assert len(fake_shopify.graphql_calls("refundCreate")) == int(refunded)
    assert [e.sender_verified for e in desk.entries(kind="inbound")] == [True if refunded else None]


def test_a_logged_in_customer_id_given_twice_proves_nothing(make_desk, fake_shopify):
    """If a visitor's own logged_in_customer_id reached the app beside Shopify's, both would be signed
    together; the app trusts neither."""
    import hashlib
    import hmac
    import time
    from urllib.parse import urlencode

    from tests.support import SECRET, SHOP

    desk = desk_with_order(make_desk)
    pairs = [("shop", SHOP), ("path_prefix", "/apps/shippromise"), ("timestamp", str(int(time.time()))),
             ("logged_in_customer_id", str(ORDER["customer"]["id"])), ("logged_in_customer_id", "")]
    joined: dict[str, list[str]] = {}
    for key, value in pairs:
        joined.setdefault(key, []).append(value)
    message = "".join(sorted(f"{k}={','.join(v)}" for k, v in joined.items()))
    query = urlencode([*pairs, ("signature", hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest())])
    assert post_form(desk, {"message": REFUND_PLEASE, "order": ORDER["name"]}, query=query).status_code == 200
    [prompt] = prompts(desk)
    assert prompt["status"] == "pending" and fake_shopify.graphql_calls("refundCreate") == []
