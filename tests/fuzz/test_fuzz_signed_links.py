"""Fuzzing the signed links the app mails out: a forged or tampered token never acts (nor answers
5xx), and a genuine one acts once. Each link is one entry in SIGNED_LINKS."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from shop_plugin.extensions import session
from shop_plugin.notify import notices
from shop_plugin.notify.models import OptOut
from shop_plugin.shops import service as shops
from tests.fuzz.inputs import tokens
from tests.fuzz.profiles import FUZZ
from tests.support import SHOP

pytestmark = pytest.mark.parametrize("fuzz_app", ["sqlite"], indirect=True, scope="module")


@dataclass(frozen=True)
class SignedLink:
    path: str  # with {token}
    mint: Callable  # (shop) -> a genuine token, inside an app context
    acted: Callable  # () -> the set of things the link has done, inside an app context


EMAIL = "Fuzz@Example.com"


def opt_outs() -> set:
    return {tuple(row) for row in session().execute(select(OptOut.shop_id, OptOut.email))}


SIGNED_LINKS = {
    "unsubscribe": SignedLink("/n/unsubscribe/{token}", lambda shop: notices.unsubscribe_token(shop, EMAIL), opt_outs),
}
links = pytest.mark.parametrize("link", SIGNED_LINKS.values(), ids=SIGNED_LINKS.keys())


def genuine(app, link: SignedLink) -> str:
    """A genuine token, followed once so that whatever it does is already done."""
    with app.app_context():
        token = link.mint(shops.get(domain=SHOP))
    assert follow(app, link, token, "POST").status_code == 200
    return token


def acted(app, link: SignedLink) -> set:
    with app.app_context():
        return link.acted()


def follow(app, link: SignedLink, token: str, method: str):
    """Redirects are followed: a token with a slash may only be tidied up (`//` → `/`), then refused."""
    return app.test_client().open(link.path.format(token=quote(token, safe="")), method=method,
                                  follow_redirects=True)


@links
@FUZZ
@given(token=tokens, method=st.sampled_from(["GET", "POST"]))
def test_a_forged_token_is_refused_and_does_nothing(fuzz_app, link, token, method):
    before = acted(fuzz_app, link)
    assert follow(fuzz_app, link, token, method).status_code == 404
    assert acted(fuzz_app, link) == before


@links
@FUZZ
@given(data=st.data(), method=st.sampled_from(["GET", "POST"]))
def test_a_tampered_token_never_acts_beyond_the_genuine_one(fuzz_app, link, data, method):
    """Some edits decode to the same signed bytes (base64's spare bits) and may pass as the genuine
    link; none may do anything the genuine link has not done."""
    token = genuine(fuzz_app, link)
    at = data.draw(st.integers(0, len(token)))
    edit = data.draw(st.sampled_from(["insert", "replace", "delete", "truncate"]))
    char = data.draw(st.characters(codec="utf-8"))
    tampered = {"insert": token[:at] + char + token[at:], "replace": token[:at] + char + token[at + 1:],
                "delete": token[:at] + token[at + 1:], "truncate": token[:at]}[edit]
    before = acted(fuzz_app, link)
    answer = follow(fuzz_app, link, tampered, method)
    assert answer.status_code in (200, 404) and acted(fuzz_app, link) == before


@links
def test_the_genuine_link_acts_once_however_often_it_is_followed(fuzz_app, link):
    with fuzz_app.app_context():
        token = link.mint(shops.get(domain=SHOP))
    before = acted(fuzz_app, link)
    answers = [follow(fuzz_app, link, token, method).status_code for method in ("GET", "POST", "GET")]
    assert answers == [200, 200, 200]
    assert len(acted(fuzz_app, link) - before) <= 1 and acted(fuzz_app, link) >= before
