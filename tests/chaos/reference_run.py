"""The in-order reference for the out-of-order test, in a process of its own so that it runs beside
it: each shop's webhooks in the order they happened, on a SQLite copy; prints the outcome as JSON.

    python -m tests.chaos.reference_run <migrated sqlite file> <now, ISO 8601>
"""
from __future__ import annotations

import json
import socket
import sys
from datetime import datetime

from aiosmtpd.controller import Controller

from shop_plugin import create_app
from tests.chaos import convergence, traffic
from tests.conftest import SmtpSink, base_env
from tests.support import FakeShopify


def main(path: str, now: str) -> None:
    timeline = traffic.timeline(convergence.SEED, datetime.fromisoformat(now), len(convergence.SHOPS))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = SmtpSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        shopify = FakeShopify()
        app = create_app({"SHOPIFY_TRANSPORT": shopify.transport()},
                         env=base_env(f"sqlite:///{path}", SMTP_URL=f"smtp://127.0.0.1:{port}"))
        streams = [[d for d in timeline if d.shop == shop] for shop in convergence.SHOPS]
        print(json.dumps(convergence.run(app, shopify, sink.messages, streams, threads=1)))
    finally:
        smtp.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
