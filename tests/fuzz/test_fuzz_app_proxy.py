"""Fuzzing the app proxy (/proxy/promise): garbled or unsigned query strings are refused without a
5xx; correctly signed ones answer a promise whatever their parameters hold."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.inputs import any_text, query_params, query_text
from tests.fuzz.profiles import FUZZ
from tests.support import OTHER_SHOP, SHOP, proxy_query

pytestmark = pytest.mark.parametrize("fuzz_app", ["sqlite"], indirect=True, scope="module")

PATH = "/proxy/promise"


@FUZZ
@given(raw=query_text)
def test_garbled_query_strings_are_refused(fuzz_app, raw):
    answer = fuzz_app.test_client().get(f"{PATH}?{raw}")
    assert 400 <= answer.status_code < 500


@FUZZ
@given(params=query_params, shop=st.sampled_from([SHOP, OTHER_SHOP, "unknown-store.myshopify.com"]))
def test_signed_queries_answer_whatever_they_carry(fuzz_app, params, shop):
    """Installed: a promise; known but not installed, or unknown: 404."""
    answer = fuzz_app.test_client().get(f"{PATH}?{proxy_query(params, shop=shop)}")
    assert answer.status_code == (200 if shop == SHOP else 404)
    if shop == SHOP:
        assert answer.json["text"]


@FUZZ
@given(params=query_params, position=st.integers(min_value=0), junk=any_text.filter(bool))
def test_a_tampered_signed_query_is_refused(fuzz_app, params, position, junk):
    signed = dict(parse_qsl(proxy_query(params), keep_blank_values=True))
    key = sorted(signed)[position % len(signed)]
    signed[key] = signed[key] + junk
    answer = fuzz_app.test_client().get(f"{PATH}?{urlencode(signed)}")
    assert 400 <= answer.status_code < 500


def test_a_non_ascii_signature_is_refused_not_a_server_error(fuzz_app):
    signed = dict(parse_qsl(proxy_query({"vendor": "Acme"}), keep_blank_values=True), signature="é" * 64)
    assert fuzz_app.test_client().get(f"{PATH}?{urlencode(signed)}").status_code == 401
