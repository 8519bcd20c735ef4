"""Helpdesk pages at size: the inbox and the ticket page with 100,000 tickets in one shop among
1,000 shops, on PostgreSQL. Server side (in-process WSGI, no network), per request: latency
p50/p99 and the number of SQL statements, which must not grow with the data (no N+1).

    .venv/bin/python bench/inbox.py [--tickets 100000] [--shops 1000] [--requests 200]

Seeds a dedicated database with set-based SQL (generate_series), then times the JSON API
(`/api/tickets` in several shapes, `/api/tickets/<id>`) and the embedded pages (`/inbox`,
`/tickets/<id>`) for the big shop and for a small one. Target: p99 ≤ 50 ms; statements per
request the same for the big and the small shop.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BIG, SMALL = "bench-1.myshopify.com", "bench-2.myshopify.com"
SEED = """
INSERT INTO shops (id, domain, installed_at, created_at, timezone)
SELECT g, 'bench-' || g || '.myshopify.com', now(), now(), 'UTC' FROM generate_series(1, %(shops)s) g;

INSERT INTO staff_members (id, shop_id, user_id, name, first_seen_at, last_seen_at)
SELECT g, 1, 40 + g, 'Agent ' || g, now(), now() FROM generate_series(1, 5) g;

-- The big shop: one order per ticket, and 20 for each other shop.
INSERT INTO orders (id, shop_id, shopify_id, name, email, customer_locale, destination_country, financial_status,
                    tags, currency, total_price, shipping_lines, created_at, updated_at, stored_at)
SELECT g, CASE WHEN g <= %(tickets)s THEN 1 ELSE 2 + (g - %(tickets)s) %% (%(shops)s - 1) END, g, '#' || g,
       'buyer' || g || '@example.com', 'en', 'US', 'paid', '[]', 'USD', 25.00, '[]',
       now() - interval '10 days', now() - interval '10 days', now()
FROM generate_series(1, %(tickets)s + 20 * (%(shops)s - 1)) g;

INSERT INTO tickets (id, shop_id, order_shopify_id, subject, reason, title, status, priority, tags, customer_email,
                     assignee_id, created_at, updated_at, first_response_due_at, resolution_due_at, due_at,
                     first_responded_at, first_response_breached, resolution_breached, resolved_at)
SELECT g, o.shop_id, o.shopify_id, 'order:' || o.shopify_id,
       (ARRAY['late_dispatch','stalled','past_promise','inquiry','delivery_exception'])[1 + g %% 5],
       'Where is my order ' || o.name,
       (ARRAY['open','open','pending','resolved','closed'])[1 + g %% 5],
       (ARRAY['urgent','high','normal','low'])[1 + g %% 4],
       (CASE WHEN g %% 7 = 0 THEN '["delay", "not-received"]' ELSE '["delay"]' END)::json,
       o.email, CASE WHEN o.shop_id = 1 AND g %% 3 > 0 THEN 1 + g %% 5 END,
       now() - (g %% 1000) * interval '1 hour', now(), now() + (g %% 500) * interval '1 hour',
       now() + (g %% 900) * interval '1 hour',
       CASE WHEN g %% 5 < 2 THEN now() + (g %% 500) * interval '1 hour' END,
       CASE WHEN g %% 2 = 0 THEN now() - interval '1 hour' END, false, false,
       CASE WHEN g %% 5 >= 3 THEN now() END
FROM orders o JOIN generate_series(1, %(tickets)s + 20 * (%(shops)s - 1)) g ON g = o.id;

INSERT INTO ticket_entries (shop_id, ticket_id, kind, author, body, created_at)
SELECT t.shop_id, t.id, k.kind, 'Customer', 'Message ' || k.n || ' about ' || t.title,
       t.created_at + k.n * interval '1 minute'
FROM tickets t CROSS JOIN (VALUES (1, 'inbound'), (2, 'system'), (3, 'reply')) AS k(n, kind);

SELECT setval('shops_id_seq', %(shops)s); SELECT setval('orders_id_seq', (SELECT max(id) FROM orders));
SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets));
SELECT setval('staff_members_id_seq', 5);
ANALYZE;
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from shop_plugin import create_app
    from tests.conftest import base_env, migrate
    from tests.support import FakeShopify, bearer, session_token

    name = f"shippromise_bench_inbox_{os.getpid()}"
    admin = psycopg.connect(ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        env = base_env(url, APP_ENV="test")
        app = create_app({"SHOPIFY_TRANSPORT": FakeShopify().transport()}, env=env)
        migrate(app)
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in filter(str.strip, SEED.split(";")):
                conn.execute(statement, {"tickets": args.tickets, "shops": args.shops})
        print(f"seeded {args.tickets:,} tickets in one shop and {20 * (args.shops - 1):,} in {args.shops - 1:,} "
              f"others in {time.perf_counter() - started:.0f} s", flush=True)
        # The warm-up requests exchange each shop's session token once (Shopify faked at the HTTP layer).
        statements: list[int] = [0]
        event.listen(app.extensions["database"].engine, "before_cursor_execute",
                     lambda *a: statements.__setitem__(0, statements[0] + 1))
        client = app.test_client()
        big_ticket, small_ticket = args.tickets // 2, args.tickets + args.shops - 1  # the latter is SMALL's
        page_query = {"host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYmVuY2g", "embedded": "1"}

        def api(path: str, shop: str):
            return lambda: client.get(path, headers=bearer(shop))

        def page(path: str, shop: str, **params):
            return lambda: client.get(f"{path}?" + urlencode(
                {**page_query, "shop": shop, "id_token": session_token(shop), **params}))

        cursor = client.get("/api/tickets?limit=50&sort=due", headers=bearer(BIG)).json["next_cursor"]
        cases = {
            "api list newest": (api("/api/tickets?limit=50", BIG), api("/api/tickets?limit=50", SMALL)),
            "api list open by SLA due": (api("/api/tickets?limit=50&status=open&sort=due", BIG),
                                         api("/api/tickets?limit=50&status=open&sort=due", SMALL)),
            "api list due, page 2": (api(f"/api/tickets?limit=50&sort=due&cursor={cursor}", BIG), None),
            "api list tag + assignee": (api("/api/tickets?limit=50&tag=not-received&assignee_id=2", BIG),
                                        api("/api/tickets?limit=50&tag=not-received", SMALL)),
            "api list search order name": (api("/api/tickets?limit=50&q=%2349999", BIG),
                                           api(f"/api/tickets?limit=50&q=%23{small_ticket}", SMALL)),
            "api list search email": (api("/api/tickets?limit=50&q=buyer49999%40example.com", BIG),
                                      api(f"/api/tickets?limit=50&q=buyer{small_ticket}%40example.com", SMALL)),
            "api list search text": (api("/api/tickets?limit=50&q=Message+2+about", BIG),
                                     api("/api/tickets?limit=50&q=Message+2+about", SMALL)),
            "api ticket": (api(f"/api/tickets/{big_ticket}", BIG), api(f"/api/tickets/{small_ticket}", SMALL)),
            "page /inbox": (page("/inbox", BIG), page("/inbox", SMALL)),
            "page /inbox open by due": (page("/inbox", BIG, status="open", sort="due"),
                                        page("/inbox", SMALL, status="open", sort="due")),
            "page /tickets/<id>": (page(f"/tickets/{big_ticket}", BIG), page(f"/tickets/{small_ticket}", SMALL)),
        }
        rows = []
        for label, (big, small) in cases.items():
            row = {"case": label}
            for side, call in (("big", big), ("small", small)):
                if call is None:
                    continue
                for _ in range(10):
                    assert call().status_code == 200, (label, side)
                times, counts = [], []
                for _ in range(args.requests):
                    statements[0] = 0
                    t = time.perf_counter()
                    response = call()
                    times.append((time.perf_counter() - t) * 1000)
                    counts.append(statements[0])
                    assert response.status_code == 200
                row[side] = {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(percentile(times, 99), 2),
                             "statements": max(counts)}
            rows.append(row)
            print(json.dumps(row), flush=True)
        print("\n| request | big shop p50 / p99 ms | statements | small shop p50 / p99 ms | statements |")
        print("|---|---|---|---|---|")
        for row in rows:
            big, small = row["big"], row.get("small")
            small_text = f"{small['p50_ms']} / {small['p99_ms']} | {small['statements']}" if small else "– | –"
            print(f"| {row['case']} | {big['p50_ms']} / {big['p99_ms']} | {big['statements']} | {small_text} |")
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-inbox.json").write_text(json.dumps(
            {"tickets": args.tickets, "shops": args.shops, "requests": args.requests, "rows": rows}, indent=2))
        app.extensions["database"].engine.dispose()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
