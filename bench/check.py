"""After a run against the app: is every acknowledged delivery stored exactly once?

A 200 is a promise that the delivery is durable, so every (shop, webhook id) that got one must
have exactly one row; a repeated delivery must not add a second. A row whose delivery never got
a 200 is not a loss but is reported: it is a delivery the app stored and Shopify would resend.
"""
from __future__ import annotations

import time
from collections import Counter

from payloads import body_template
from redis import Redis
from sqlalchemy import create_engine, text

SETTLE_SECONDS = 10.0


def engine_url(database_url: str) -> str:
    return database_url.replace("postgresql://", "postgresql+psycopg://", 1)


def check_rows(database_url: str, tag: str, acked: set[tuple[str, str]], redis: Redis, queue: str,
               body_len: int | None = None) -> dict:
    """Compare the rows of this run (webhook ids starting with `tag`) with the acknowledged keys."""
    engine = create_engine(engine_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT shop_domain, webhook_id, length(body) FROM webhook_events WHERE webhook_id LIKE :p"),
                {"p": f"{tag}%"},
            ).all()
            total_rows = conn.execute(text("SELECT count(*) FROM webhook_events")).scalar_one()
    finally:
        engine.dispose()
    counts = Counter((shop, webhook_id) for shop, webhook_id, _ in rows)
    body_len = body_len or len(body_template())
    return {
        "acknowledged_distinct": len(acked),
        "rows": len(rows),
        "missing": len(acked - counts.keys()),
        "doubled": sum(n - 1 for n in counts.values() if n > 1),
        "stored_without_200": len(counts.keys() - acked),
        "bodies_wrong_length": sum(1 for *_, length in rows if length != body_len),
        "rows_in_table": total_rows,
        "jobs_in_queue": queued_ids(redis, queue),  # no worker runs: one queued event id per inserted row
    }


def queued_ids(redis: Redis, queue: str) -> int:
    """Event ids in the app's RQ queue once it settles: the flusher sends up to IDS_PER_JOB ids a job."""
    from rq import Queue

    queued_jobs(redis, queue)
    return sum(len(job.args) - 1 for job in Queue(queue, connection=redis).jobs)


def queued_jobs(redis: Redis, queue: str) -> int:
    """Jobs waiting in the app's RQ queue once the count settles: the receiver may hand jobs to
    a background thread that sends them a moment after the 200 (bounded wait)."""
    key, count = f"rq:queue:{queue}", -1
    deadline = time.monotonic() + SETTLE_SECONDS
    while (now := redis.llen(key)) != count and time.monotonic() < deadline:
        count = now
        time.sleep(0.5)
    return now
