"""POST /inbound/email with arbitrary bytes: never a 5xx; without the secret nothing is stored;
with it every mail is kept (threaded, rejected or unroutable), never lost to an exception."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from shop_plugin.extensions import session
from shop_plugin.helpdesk.models import InboundEmail
from tests.fuzz.profiles import FUZZ

pytestmark = pytest.mark.parametrize("fuzz_app", ["sqlite"], indirect=True, scope="module")
SECRET = "fuzz-inbound-secret"
HEADER_LINES = st.lists(st.sampled_from([
    b"From: Kim <kim@example.com>", b"From: =?utf-8?b?7ZmN6ri464+Z?= <x@y>", b"To: alpha-store@in.app.example.test",
    b"To: nobody@elsewhere.test", b"Subject: =?euc-kr?b?xde9usau?=", b"Subject: #1001 where",
    b"Content-Type: multipart/mixed; boundary=b", b"Content-Type: text/html; charset=bogus-8",
    b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
    b"In-Reply-To: <x@y>", b"Message-ID: <" + b"m" * 300 + b">", b"X-Bad: a\r\n\tb", b"Auto-Submitted: auto-replied",
]), max_size=8)
MAILS = st.builds(lambda lines, sep, body: b"\r\n".join(lines) + sep + body, HEADER_LINES,
                  st.sampled_from([b"\r\n\r\n", b"\n\n", b""]), st.binary(max_size=2000))


def stored() -> int:
    return session().scalar(select(func.count()).select_from(InboundEmail))


@FUZZ
@given(raw=MAILS | st.binary(max_size=3000))
def test_any_mail_with_the_secret_is_kept_and_never_a_server_error(fuzz_app, raw):
    fuzz_app.config.update(INBOUND_EMAIL_SECRET=SECRET, INBOUND_EMAIL_DOMAIN="in.app.example.test")
    answer = fuzz_app.test_client().post("/inbound/email", data=raw,
                                         headers={"X-ShipPromise-Inbound-Secret": SECRET})
    assert answer.status_code == (400 if not raw.strip() else 202), answer.data


@FUZZ
@given(raw=MAILS, secret=st.text(max_size=40).filter(lambda s: s != SECRET))
def test_without_the_secret_nothing_is_stored(fuzz_app, raw, secret):
    fuzz_app.config.update(INBOUND_EMAIL_SECRET=SECRET)
    with fuzz_app.app_context():
        before = stored()
    headers = {"X-ShipPromise-Inbound-Secret": secret} if secret.isascii() and secret.isprintable() else {}
    assert fuzz_app.test_client().post("/inbound/email", data=raw, headers=headers).status_code == 401
    with fuzz_app.app_context():
        assert stored() == before
