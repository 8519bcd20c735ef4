"""Local stand-ins for what effects talk to, so nothing leaves the machine: Shopify's Admin
GraphQL (a tiny threaded http.server answering 200) and an SMTP sink (aiosmtpd), both on
127.0.0.1, both counting what they received.

The app reaches the fake GraphQL through SHOPIFY_API_ORIGIN_OVERRIDE, which config.py allows only
when APP_ENV is not production: benchmarks that use it run APP_ENV=development with every
production value set explicitly (the only differences are the override and the SMTP default).
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
from cryptography.fernet import Fernet


class FakeAdmin:
    """Counts GraphQL operations and, for metafieldsSet, the calls per owner (order gid)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.operations: Counter = Counter()
        self.metafield_owners: Counter = Counter()
        self.errors = 0

    def answer(self, body: bytes) -> dict:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            with self.lock:
                self.errors += 1
            return {"errors": [{"message": "bad json"}]}
        query = request.get("query") or ""
        variables = request.get("variables") or {}
        if "metafieldsSet" in query:
            owners = [m.get("ownerId") for m in variables.get("metafields") or []]
            with self.lock:
                self.operations["metafieldsSet"] += 1
                self.metafield_owners[owners[0] if owners else None] += 1
            return {"data": {"metafieldsSet": {
                "metafields": [{"id": f"gid://shopify/Metafield/{n}", "key": m.get("key")}
                               for n, m in enumerate(variables.get("metafields") or [], 1)],
                "userErrors": []}},
                "extensions": {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10, "throttleStatus": {
                    "maximumAvailable": 2000, "currentlyAvailable": 1990, "restoreRate": 100}}}}
        with self.lock:
            self.operations[query.split("{", 1)[0].strip()[:60] or "?"] += 1
        return {"data": {}}

    def summary(self) -> dict:
        with self.lock:
            return {"operations": dict(self.operations), "metafield_owners": len(self.metafield_owners),
                    "errors": self.errors}


@contextmanager
def fake_admin() -> Iterator[tuple[FakeAdmin, str]]:
    """The fake Admin API on a free loopback port; yields (counters, origin URL)."""
    admin = FakeAdmin()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            raw = json.dumps(admin.answer(self.rfile.read(length))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-admin", daemon=True)
    thread.start()
    try:
        yield admin, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class MailSink:
    """aiosmtpd handler: counts messages per recipient."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recipients: Counter = Counter()
        self.messages = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.messages += 1
            for rcpt in envelope.rcpt_tos:
                self.recipients[rcpt.lower()] += 1
        return "250 OK"


@contextmanager
def mail_sink(port: int) -> Iterator[MailSink]:
    from aiosmtpd.controller import Controller

    sink = MailSink()
    sink.port = port
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def add_tokens(database_url: str, fernet_key: str, shop_ids: list[int]) -> None:
    """An offline token (no expiry, so never refreshed) for each shop, encrypted as the app stores it."""
    cipher = Fernet(fernet_key.split(",")[0].encode())
    with psycopg.connect(database_url) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO shop_tokens (shop_id, access_token, scope, updated_at) VALUES (%s, %s, %s, now())",
                [(shop_id, cipher.encrypt(f"shpat_bench_{shop_id}".encode()), "read_orders,write_orders")
                 for shop_id in shop_ids])
