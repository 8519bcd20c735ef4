"""Hypothesis strategies for what arrives over HTTP: header values, bodies, query strings, tokens."""
from __future__ import annotations

import base64
import json

from hypothesis import strategies as st
from sqlalchemy import func, select

from shop_plugin.extensions import session
from tests.support import OLD_SECRET, sign
from webhooks.registry import COMPLIANCE_TOPICS, TOPICS

# What an HTTP server hands the app as a header value: printable latin-1 (no CR, LF or NUL).
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60)
any_text = st.text(max_size=40)

SHOPIFY_HEADERS = ("X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id",
                   "X-Shopify-API-Version", "X-Shopify-Triggered-At", "X-Shopify-Name", "X-Shopify-Hmac-Sha256",
                   "Shopify-Hmac-Sha256", "Shopify-Shop-Domain", "Content-Type")
header_names = st.sampled_from(SHOPIFY_HEADERS) | st.from_regex(r"\AX-[A-Za-z0-9-]{1,20}\Z")
headers = st.dictionaries(header_names, header_text, max_size=8)
topics = st.sampled_from(TOPICS + COMPLIANCE_TOPICS) | header_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
PAYLOAD_FIELDS = ("id", "order_id", "fulfillment_id", "updated_at", "created_at", "happened_at", "line_items",
                  "fulfillments", "refunds", "transactions", "status", "shipment_status", "email", "total_price",
                  "currency", "shipping_address", "customer", "orders_to_redact", "type", "amount", "reason",
                  "tracking_number", "cancelled_at", "financial_status", "note", "admin_graphql_api_id")
payloads = st.dictionaries(st.sampled_from(PAYLOAD_FIELDS) | any_text, json_values, max_size=10)
json_bodies = (payloads | json_values).map(lambda v: json.dumps(v).encode())
bodies = json_bodies | st.binary(max_size=512) | any_text.map(str.encode)

# An HMAC header that must never authenticate: none, garbage, random digest-shaped bytes, the body
# signed with a secret the app does not hold, or another body signed with the right secret.
FORGERIES = {"wrong-secret": lambda body: sign(body, OLD_SECRET), "other-body": lambda body: sign(body + b" ")}
digests = st.binary(min_size=32, max_size=32).map(lambda b: base64.b64encode(b).decode())
forged_hmacs = st.none() | header_text | digests | st.sampled_from(sorted(FORGERIES))


def hmac_for(choice: str | None, body: bytes) -> str | None:
    return FORGERIES[choice](body) if choice in FORGERIES else choice


query_text = st.text(st.sampled_from("abcsz019=&%+;?#/ .-_") | st.characters(codec="utf-8"), max_size=80)
query_params = st.dictionaries(st.sampled_from(("vendor", "tags", "country", "locale", "extra", "path_prefix"))
                               | st.from_regex(r"\A[a-z_]{1,10}\Z"), any_text, max_size=5).map(
    lambda p: {k: v for k, v in p.items() if k not in ("shop", "timestamp", "signature")})
tokens = st.text(max_size=120) | st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEF0123456789-_.="),
                                         max_size=120)


def count(app, model) -> int:
    with app.app_context():
        return session().scalar(select(func.count()).select_from(model))
