"""W5: the delay scan over 1,000,000 orders of 5,000 shops on PostgreSQL, 5% of them due.

Seeds a dedicated database with set-based SQL (generate_series), then measures:
candidate selection (first keyset page, and EXPLAIN ANALYZE), a full scan-and-mark, and a
second scan right after (it must open nothing new). Of the due orders, 1% really slipped
(undispatched after ship_by) and get a ticket and a notice (the shops installed the app a month
before the orders were placed); the rest are due for a routine re-check.

    .venv/bin/python bench/scan.py [--orders 1000000] [--shops 5000]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SEED = """
INSERT INTO shops (id, domain, installed_at, created_at, timezone)
SELECT g, 'bench-' || g || '.myshopify.com', now() - interval '30 days', now(), 'UTC'
FROM generate_series(1, %(shops)s) g;

INSERT INTO orders (id, shop_id, shopify_id, name, email, customer_locale, destination_country, financial_status,
                    tags, currency, total_price, shipping_lines, created_at, updated_at, stored_at)
SELECT g, 1 + g %% %(shops)s, g, '#' || g, 'buyer' || g || '@example.com', 'en', 'US', 'paid',
       '[]', 'USD', 25.00, '[]', now() - interval '3 days', now() - interval '3 days', now()
FROM generate_series(1, %(orders)s) g;

INSERT INTO order_promises (shop_id, order_shopify_id, ship_from, ship_by, deliver_from, deliver_to, adjustments,
                            locale, text, policies, settings_version, computed_at)
SELECT 1 + g %% %(shops)s, g, current_date - 2,
       CASE WHEN g %% 2000 = 0 THEN current_date - 2 ELSE current_date + 3 END,
       current_date + 8, current_date + 20, '[]', 'en', 'Ships soon.', '[]', 0, now()
FROM generate_series(1, %(orders)s) g;

INSERT INTO order_checks (shop_id, order_shopify_id, next_check_at, active_reasons, state, created_at)
SELECT 1 + g %% %(shops)s, g,
       CASE WHEN g %% 20 = 0 THEN now() - interval '1 minute' ELSE now() + interval '2 days' END,
       '[]', 'watching', now()
FROM generate_series(1, %(orders)s) g;

SELECT setval('shops_id_seq', %(shops)s); SELECT setval('orders_id_seq', %(orders)s);
ANALYZE;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=5_000)
    args = parser.parse_args()
    name = f"shippromise_bench_scan_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = psycopg.connect(ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        print(json.dumps(run(ADMIN.rsplit("/", 1)[0] + f"/{name}", args.orders, args.shops), indent=2))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(url: str, orders: int, shops: int) -> dict:
    from alembic import command

    from shop_plugin import create_app
    from shop_plugin.cli import alembic_config
    from shop_plugin.delays import service as delays
    from shop_plugin.extensions import session

    env = {"APP_ENV": "test", "DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/14",
           "RQ_QUEUE": f"bench-scan-{os.getpid()}"}
    app = create_app(env={**os.environ, **env})
    with app.app_context():
        cfg = alembic_config()
        cfg.attributes["configure_logger"] = False
        command.upgrade(cfg, "head")
    started = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        for statement in filter(str.strip, SEED.split(";")):
            conn.execute(statement, {"orders": orders, "shops": shops})
    seeded = time.perf_counter() - started
    with app.app_context():
        s = session()
        now = s.execute(text("SELECT now()")).scalar() + timedelta(seconds=1)
        selections = []
        for _ in range(5):
            t0 = time.perf_counter()
            delays.due_page(s, now=now, after=None)
            selections.append((time.perf_counter() - t0) * 1000)
        plan = s.execute(text(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT next_check_at, id, shop_id, order_shopify_id FROM order_checks "
            "WHERE next_check_at <= :now ORDER BY next_check_at, id LIMIT 500"), {"now": now}).scalars().all()
        s.rollback()
        t0 = time.perf_counter()
        first = delays.scan(s, now=now)
        full = time.perf_counter() - t0
        tickets_after_first, notices_after_first = counts(s)
        t0 = time.perf_counter()
        second = delays.scan(s, now=now + timedelta(seconds=5))
        second_time = time.perf_counter() - t0
        tickets_after_second, notices_after_second = counts(s)
        jobs = app.extensions["jobs"]
        time.sleep(1.5)  # effects go to RQ through a flusher thread (at least every second): let it send
        jobs.flush(block=False)
        jobs.queue.delete(delete_jobs=True)
    return {
        "orders": orders, "shops": shops, "due": orders // 20, "seed_seconds": round(seeded, 1),
        "selection_ms": {"min": round(min(selections), 2), "max": round(max(selections), 2)},
        "selection_plan": [line for line in plan if "Index" in line or "Execution" in line],
        "full_scan_seconds": round(full, 2), "first_scan": first, "tickets_opened": tickets_after_first,
        "notices_scheduled": notices_after_first,
        "second_scan_seconds": round(second_time, 3), "second_scan": second,
        "new_tickets_on_second_scan": tickets_after_second - tickets_after_first,
        "new_notices_on_second_scan": notices_after_second - notices_after_first,
    }


def counts(s) -> tuple[int, int]:
    """Tickets, and notices with their email effect (one each: a notice without its effect is a bug)."""
    return (s.execute(text("SELECT count(*) FROM tickets")).scalar(),
            s.execute(text("SELECT count(*) FROM notices n JOIN effects e ON e.shop_id = n.shop_id AND "
                           "e.kind = 'delay_notice' AND e.key = n.order_shopify_id || ':' || n.reason")).scalar())


if __name__ == "__main__":
    main()
