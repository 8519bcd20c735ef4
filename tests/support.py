"""Test helpers: signed webhooks, session tokens, and the fake Shopify Admin API (HTTP layer)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jwt

from webhooks.registry import BODY_SHOP_FIELD

API_KEY = "test-api-key"
SECRET = "test-api-secret-0123456789abcdef0123"
OLD_SECRET = "test-api-secret-old-0123456789abcdef"
TOKEN_KEY = "q3bP0W6o1yN6m2QmVjv4j5q4Hn6kR0a4x9X0mB8c1Yk="
SHOP = "alpha-store.myshopify.com"
OTHER_SHOP = "beta-store.myshopify.com"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> dict:
    """A real Shopify payload sample (tests/fixtures/README.md says where each comes from)."""
    return json.loads((FIXTURES / name).read_text())


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_headers(topic: str, body: bytes, shop: str = SHOP, webhook_id: str | None = None,
                    secret: str = SECRET, **extra) -> dict:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    headers.update(extra)
    return headers


def signed_webhook(client, topic: str, payload, shop: str = SHOP, webhook_id: str | None = None, **kw):
    """POST a correctly signed webhook through the Flask test client. A payload given as a dict and
    naming its shop (compliance topics, app/uninstalled) names `shop`, as Shopify's would; bytes are
    sent as they are."""
    field = BODY_SHOP_FIELD.get(topic)
    if isinstance(payload, dict) and field in payload:
        payload = {**payload, field: shop}
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post("/webhooks", data=body, headers=webhook_headers(topic, body, shop, webhook_id, **kw))


def ship(client, *, order_id: int, fulfillment_id: int, at: datetime | None = None, shop: str = SHOP,
         **changes):
    """fulfillments/create: the order shipped `at` (default now) as fulfilment `fulfillment_id`."""
    when = (at or datetime.now(UTC)).isoformat()
    return signed_webhook(client, "fulfillments/create", {
        **fixture("fulfillments_create.rest_fixture.json"), "id": fulfillment_id, "order_id": order_id,
        "status": "success", "created_at": when, "updated_at": when, **changes}, shop=shop)


def carrier_event(client, *, order_id: int, fulfillment_id: int, event_id: int, status: str,
                  at: datetime | None = None, shop: str = SHOP):
    """fulfillment_events/create: the carrier reported `status` for the fulfilment `at` (default now)."""
    return signed_webhook(client, "fulfillment_events/create", dict(
        fixture("fulfillment_events_create.rest_fixture.json"), id=event_id, fulfillment_id=fulfillment_id,
        order_id=order_id, status=status, happened_at=(at or datetime.now(UTC)).isoformat()), shop=shop)


def session_token(shop: str = SHOP, secret: str = SECRET, ttl: int = 60, aud: str = API_KEY, sub: str = "42") -> str:
    """A Shopify session (ID) token as App Bridge would send it."""
    now = int(time.time())
    claims = {"iss": f"https://{shop}/admin", "dest": f"https://{shop}", "aud": aud, "sub": sub,
              "exp": now + ttl, "nbf": now - 5, "iat": now - 5, "jti": str(uuid.uuid4()), "sid": str(uuid.uuid4())}
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(shop: str = SHOP, **kw) -> dict:
    return {"Authorization": f"Bearer {session_token(shop, **kw)}"}


class FakeShopify:
    """Shopify's token endpoint and Admin GraphQL, behind httpx.MockTransport."""

    def __init__(self, access_ttl: int = 3600) -> None:
        self.access_ttl = access_ttl
        self.calls: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.refresh_delay = 0.0
        self.issued = 0
        self.graphql_replies: list[httpx.Response] = []  # served first, in order
        self.refunds_by_key: dict[str, str] = {}  # Shopify's @idempotent: one refund per key
        self.handlers: list[tuple[str, object]] = []  # (text in the query, handler(body) -> httpx.Response)

    def on(self, marker: str, handler) -> None:
        """Answer GraphQL queries containing `marker` with `handler(body)` (checked before the defaults)."""
        self.handlers.append((marker, handler))

    def graphql_calls(self, operation: str) -> list[dict]:
        return [body for path, body in self.calls if path.endswith("/graphql.json") and operation in body["query"]]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _refund(self, body: dict) -> httpx.Response:
        import re

        key = re.search(r'@idempotent\(key: "([^"]+)"\)', body["query"])
        if key is None:
            return httpx.Response(200, json={"errors": [{"message": "idempotency key required"}]})
        with self.lock:
            fresh = f"gid://shopify/Refund/{900 + len(self.refunds_by_key)}"
            refund_id = self.refunds_by_key.setdefault(key.group(1), fresh)
        return httpx.Response(200, json={"data": {"refundCreate": {"refund": {"id": refund_id}, "userErrors": []}}})

    def grants(self, grant_type: str) -> list[dict]:
        return [body for path, body in self.calls if body.get("grant_type") == grant_type]

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        with self.lock:
            self.calls.append((request.url.path, body))
        if request.url.path == "/admin/oauth/access_token":
            if body.get("grant_type") == "refresh_token":
                time.sleep(self.refresh_delay)
            with self.lock:
                self.issued += 1
                n = self.issued
            return httpx.Response(200, json={
                "access_token": f"shpat_secret_access_{n}", "scope": "read_orders,write_orders",
                "expires_in": self.access_ttl, "refresh_token": f"shprt_secret_refresh_{n}",
                "refresh_token_expires_in": 7776000,
            })
        if request.url.path.endswith("/graphql.json"):
            if self.graphql_replies:
                return self.graphql_replies.pop(0)
            for marker, handler in self.handlers:
                if marker in body["query"]:
                    return handler(body)
            if "refundCreate" in body["query"]:
                return self._refund(body)
            if "OrderTransactions" in body["query"]:
                return httpx.Response(200, json={"data": {"order": {"transactions": [
                    {"id": "gid://shopify/OrderTransaction/1", "gateway": "shopify_payments", "kind": "SALE",
                     "status": "SUCCESS"}]}}})
            if "ShopProfile" in body["query"]:
                return httpx.Response(200, json={"data": {"shop": {"ianaTimezone": "Asia/Seoul"}}})
            if "metafieldsSet" in body["query"]:
                saved = [{"id": f"gid://shopify/Metafield/{i}", "key": m["key"]}
                         for i, m in enumerate(body["variables"]["metafields"])]
                return httpx.Response(200, json={"data": {"metafieldsSet": {"metafields": saved, "userErrors": []}}})
            return httpx.Response(200, json={"data": {"shop": {"id": "gid://shopify/Shop/1"}}})
        return httpx.Response(404)


def proxy_query(params: dict, secret: str = SECRET, shop: str = SHOP) -> str:
    """An app proxy query string signed as Shopify signs it: sorted k=v pairs, joined, hex HMAC."""
    from urllib.parse import urlencode

    signed = {"shop": shop, "logged_in_customer_id": "", "path_prefix": "/apps/shippromise",
              "timestamp": str(int(time.time())), **params}
    message = "".join(sorted(f"{k}={v}" for k, v in signed.items()))
    signature = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return urlencode({**signed, "signature": signature})


def extension_token(shop: str = SHOP, secret: str = SECRET, ttl: int = 60,
                    sub: str | None = "gid://shopify/Customer/1") -> str:
    """A checkout / customer-account UI extension session token (not exchangeable); `sub` names the
    logged-in buyer, None for a guest."""
    now = int(time.time())
    claims = {"dest": shop, "aud": API_KEY, "exp": now + ttl, "nbf": now - 5, "iat": now - 5,
              "jti": str(uuid.uuid4()), **({"sub": sub} if sub else {})}
    return jwt.encode(claims, secret, algorithm="HS256")


def backdate_install(app, shop: str = SHOP) -> None:
    """The shop installed the app long before any order date the tests use, so those orders came
    after it (ShipPromise never writes to customers about orders placed before the install). A fixed
    moment, not "N days ago": tests with written-out order dates must not start failing as time passes."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from shop_plugin.extensions import session
    from shop_plugin.shops.models import Shop

    with app.app_context():
        session().execute(update(Shop).where(Shop.domain == shop, Shop.installed_at.is_not(None))
                          .values(installed_at=datetime(2020, 1, 1, tzinfo=UTC)))
        session().commit()


def post_chunked(app, path: str, body: bytes, headers: dict) -> str:
    """POST through the WSGI app as a server passes a chunked body (no Content-Length, the input
    terminated by the server: wsgi.input_terminated); the status line answered."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "x", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
               "wsgi.input_terminated": True, "wsgi.errors": io.StringIO(), "HTTP_TRANSFER_ENCODING": "chunked",
               **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Content-Type"}}
    status = []
    b"".join(app(environ, lambda line, _headers, _exc=None: status.append(line)))
    return status[0]
