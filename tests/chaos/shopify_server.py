"""A real HTTP fake of the Admin GraphQL API, for app processes the in-process FakeShopify cannot reach
(the app sends Shopify traffic here through SHOPIFY_API_ORIGIN_OVERRIDE)."""
from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.chaos.harness import free_port


class ShopifyServer:
    """Counts metafield writes per (shop, order); `hold_next()` parks the next write unanswered
    until `release()`, and the parked write is then dropped without being applied."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: Counter = Counter()  # (shop, owner) → writes that arrived
        self.applied: Counter = Counter()  # (shop, owner) → writes that were carried out and answered
        self.holding = False
        self.held = threading.Event()
        self.released = threading.Event()
        self.port = free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="shopify-server", daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hold_next(self) -> None:
        self.held.clear()
        self.released.clear()
        self.holding = True

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, shop: str, body: dict) -> dict | None:
        """The JSON answer, or None to drop the connection unanswered."""
        if "metafieldsSet" not in body.get("query", ""):
            return {"data": {"shop": {"id": "gid://shopify/Shop/1", "ianaTimezone": "UTC"}}}
        owner = body["variables"]["metafields"][0]["ownerId"]
        with self.lock:
            self.received[(shop, owner)] += 1
            hold, self.holding = self.holding, False
        if hold:
            self.held.set()
            self.released.wait(timeout=60)
            return None
        with self.lock:
            self.applied[(shop, owner)] += 1
        saved = [{"id": f"gid://shopify/Metafield/{n}", "key": m["key"]}
                 for n, m in enumerate(body["variables"]["metafields"])]
        return {"data": {"metafieldsSet": {"metafields": saved, "userErrors": []}}}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                reply = server.answer(self.headers.get("X-Forwarded-Host", ""), body)
                if reply is None:
                    self.close_connection = True
                    return
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler
