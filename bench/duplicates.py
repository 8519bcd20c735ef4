"""W6: concurrent duplicate webhooks must have exactly one effect (a correctness benchmark).

    .venv/bin/python bench/duplicates.py [--orders 200] [--parallel 4] [--database postgresql|sqlite]

Exit status 1 on any violation. For each of `--orders` orders (half of them fresh, half 20 days
old and never fulfilled, so the delay check opens a late_dispatch ticket and a customer notice):

- the same delivery (same X-Shopify-Webhook-Id, same bytes) 8 times concurrently, and
- 8 deliveries with different webhook ids carrying the same order state (orders/create,
  orders/updated, orders/paid, as Shopify fires several topics for one change),

all 16 at once, each on its own connection, through gunicorn (gunicorn.conf.py, 2 × 8 threads),
`--parallel` orders at a time. Two `flask --app app worker` processes consume; effects really
run: shops have offline tokens and SHOPIFY_API_ORIGIN_OVERRIDE points at a local fake Admin
GraphQL that counts metafieldsSet calls per order, and SMTP_URL at a local sink that counts
emails per recipient (bench/fakeshopify.py; the override needs APP_ENV=development, every
production value is set explicitly). Nothing leaves 127.0.0.1.

After the queue and every effect have settled, per order: every request answered 200; one
webhook_events row for the 8 repeats and 8 rows for the 8 ids, all processed; one order row with
its 3 line items; one promise; one promise_metafields effect, done, and one metafieldsSet call;
fresh orders: no ticket, no notice; late orders: exactly one ticket per (order, reason), at
least late_dispatch, at most one notice per (order, reason), one email per sent notice.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import events
import machine
import memory
import servers
import workers
from check import engine_url
from cryptography.fernet import Fernet
from loadgen import Connection, Dropped
from payloads import sign
from sqlalchemy import create_engine, text

SHOPS = 20
COPIES = 8
TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/updated",
          "orders/create", "orders/paid", "orders/updated", "orders/updated")
LINE_ITEMS = 3  # in the fixture order
SETTLE_SECONDS = 600.0


def seed(url: str, key: str, shops: int) -> list[int]:
    """Shops installed 60 days ago, each with an offline token the app can decrypt (never expiring)."""
    engine = create_engine(engine_url(url))
    cipher = Fernet(key.encode())
    now = datetime.now(UTC)
    installed = now - timedelta(days=60)  # before the late orders: a shop's own orders get customer notices
    with engine.begin() as conn:
        for n in range(shops):
            conn.execute(text("INSERT INTO shops (domain, timezone, installed_at, created_at) "
                              "VALUES (:d, 'America/New_York', :at, :at)"),
                         {"d": events.shop_domain(n), "at": installed})
        ids = [r[0] for r in conn.execute(text("SELECT id FROM shops ORDER BY id"))]
        for shop_id in ids:
            conn.execute(text("INSERT INTO shop_tokens (shop_id, access_token, scope, updated_at) "
                              "VALUES (:s, :t, 'read_orders,write_orders', :now)"),
                         {"s": shop_id, "t": cipher.encrypt(f"shpat_bench_{shop_id}".encode()), "now": now})
    engine.dispose()
    return ids


def request(port: int, secret: str, shop: str, topic: str, webhook_id: str, body: bytes) -> bytes:
    head = (f"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: Shopify-Captain-Hook\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Shopify-Topic: {topic}\r\nX-Shopify-Hmac-Sha256: {sign(body, secret)}\r\n"
            f"X-Shopify-Shop-Domain: {shop}\r\nX-Shopify-API-Version: {events.API_VERSION}\r\n"
            f"X-Shopify-Webhook-Id: {webhook_id}\r\nX-Shopify-Event-Id: {uuid.uuid4()}\r\n"
            f"X-Shopify-Triggered-At: {events.iso(datetime.now(UTC))}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


async def _send(port: int, raw: bytes, statuses: Counter) -> None:
    conn = Connection(port)
    try:
        statuses[str(await asyncio.wait_for(conn.post(raw), 30))] += 1
    except (Dropped, TimeoutError) as exc:
        statuses[f"error {type(exc).__name__}: {exc}"] += 1
    finally:
        conn.close()


def plan_orders(n: int, now: datetime) -> list[dict]:
    out = []
    for i in range(n):
        order_id = 9 * 10**11 + i
        late = i % 2 == 1
        created = now - (timedelta(days=20) if late else timedelta(hours=1))
        body = json.dumps(events.order(order_id, created_at=created), separators=(",", ":")).encode()
        out.append({"order_id": order_id, "shop": events.shop_domain(i % SHOPS), "late": late, "body": body,
                    "same_id": f"dup-same-{order_id}", "ids": [f"dup-{k}-{order_id}" for k in range(COPIES)]})
    return out


async def send_all(port: int, secret: str, orders: list[dict], parallel: int) -> Counter:
    statuses: Counter = Counter()
    sem = asyncio.Semaphore(parallel)

    async def one(o: dict) -> None:
        async with sem:
            raws = [request(port, secret, o["shop"], "orders/create", o["same_id"], o["body"])] * COPIES
            raws += [request(port, secret, o["shop"], TOPICS[k], wid, o["body"]) for k, wid in enumerate(o["ids"])]
            await asyncio.gather(*(_send(port, raw, statuses) for raw in raws))

    await asyncio.gather(*(one(o) for o in orders))
    return statuses


def settle(url: str, redis, queue: str) -> dict:
    """Until no event and no effect is waiting or running, and the queue is empty (bounded)."""
    backlog = workers.Backlog(url)
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < SETTLE_SECONDS:
            busy_effects = backlog.scalar("SELECT count(*) FROM effects WHERE status IN ('pending', 'processing')")
            if backlog.pending() == 0 and not busy_effects and redis.llen(f"rq:queue:{queue}") == 0:
                time.sleep(1.0)  # a job popped but not yet claimed shows in neither
                if backlog.pending() == 0 and redis.llen(f"rq:queue:{queue}") == 0:
                    break
            time.sleep(0.5)
        return {"seconds": round(time.monotonic() - t0, 1), "events": backlog.statuses(),
                "effects": backlog.statuses("effects")}
    finally:
        backlog.close()


def verify(url: str, orders: list[dict], statuses: Counter, admin, sink) -> tuple[list[str], dict]:
    """Every expectation per order; returns (violations, counts)."""
    engine = create_engine(engine_url(url))
    v: list[str] = []
    with engine.connect() as c:
        def q(sql: str, **p):
            return c.execute(text(sql), p).all()
        shop_of = dict(q("SELECT domain, id FROM shops"))
        ev = defaultdict(list)
        for shop, wid, status in q("SELECT shop_domain, webhook_id, status FROM webhook_events"):
            ev[(shop, wid)].append(status)
        orders_n = Counter((s, o) for s, o in q("SELECT shop_id, shopify_id FROM orders"))
        items = Counter((s, o) for s, o in q("SELECT o.shop_id, o.shopify_id FROM order_line_items li "
                                             "JOIN orders o ON o.id = li.order_id"))
        promises = Counter((s, o) for s, o in q("SELECT shop_id, order_shopify_id FROM order_promises"))
        effects = defaultdict(list)
        for s, kind, key, status, attempts in q("SELECT shop_id, kind, key, status, attempts FROM effects"):
            effects[(s, kind, key)].append((status, attempts))
        tickets = Counter((s, o, r) for s, o, r in q("SELECT shop_id, order_shopify_id, reason FROM tickets"))
        ticket_lines = Counter(n for (n,) in q("SELECT count(*) FROM ticket_entries GROUP BY ticket_id"))
        notices = Counter((s, o, r) for s, o, r in q("SELECT shop_id, order_shopify_id, reason FROM notices"))
        sent = Counter((s, o) for s, o in q("SELECT shop_id, order_shopify_id FROM notices WHERE status = 'sent'"))
        checks = {(s, o): json.loads(a) if isinstance(a, str) else a
                  for s, o, a in q("SELECT shop_id, order_shopify_id, active_reasons FROM order_checks")}
    engine.dispose()
    bad = {k: n for k, n in statuses.items() if k != "200"}
    if bad:
        v.append(f"non-200 answers: {bad}")
    for o in orders:
        sid, oid, name = shop_of.get(o["shop"]), o["order_id"], f"order {o['order_id']} ({o['shop']})"
        same = ev.get((o["shop"], o["same_id"]), [])
        if len(same) != 1:
            v.append(f"{name}: {len(same)} rows for one webhook id sent {COPIES} times")
        rows = [st for wid in o["ids"] for st in ev.get((o["shop"], wid), [])]
        if len(rows) != COPIES:
            v.append(f"{name}: {len(rows)} rows for {COPIES} distinct webhook ids")
        not_done = Counter(st for st in same + rows if st != "processed")
        if not_done:
            v.append(f"{name}: events not processed: {dict(not_done)}")
        if orders_n[(sid, oid)] != 1:
            v.append(f"{name}: {orders_n[(sid, oid)]} order rows")
        if items[(sid, oid)] != LINE_ITEMS:
            v.append(f"{name}: {items[(sid, oid)]} line items, expected {LINE_ITEMS}")
        if promises[(sid, oid)] != 1:
            v.append(f"{name}: {promises[(sid, oid)]} promises")
        meta = effects.get((sid, "promise_metafields", str(oid)), [])
        if len(meta) != 1 or meta[0][0] != "done" or meta[0][1] != 1:
            v.append(f"{name}: promise_metafields effects (status, attempts) = {meta}, expected [('done', 1)]")
        calls = admin.metafield_owners.get(f"gid://shopify/Order/{oid}", 0)
        if calls != 1:
            v.append(f"{name}: {calls} metafieldsSet calls")
        reasons = {r: n for (s, o2, r), n in tickets.items() if (s, o2) == (sid, oid)}
        order_notices = {r: n for (s, o2, r), n in notices.items() if (s, o2) == (sid, oid)}
        if not o["late"]:
            if reasons or order_notices:
                v.append(f"{name} (fresh): tickets {reasons}, notices {order_notices}, expected none")
        else:
            if "late_dispatch" not in reasons:
                v.append(f"{name} (late): no late_dispatch ticket (tickets {reasons})")
            if any(n != 1 for n in reasons.values()):
                v.append(f"{name} (late): tickets per reason {reasons}, expected 1 each")
            active = {r for r in checks.get((sid, oid), []) if not r.startswith("prompt:") and r != "delivered"}
            if set(reasons) != active:
                v.append(f"{name} (late): ticket reasons {sorted(reasons)} != reasons on its check {sorted(active)}")
            if any(n != 1 for n in order_notices.values()):
                v.append(f"{name} (late): notices per reason {order_notices}")
            emails = sink.recipients.get(f"buyer{oid}@example.com", 0)
            if emails != sent[(sid, oid)]:
                v.append(f"{name} (late): {emails} emails for {sent[(sid, oid)]} sent notices")
    counts = {"orders": sum(orders_n.values()), "promises": sum(promises.values()),
              "metafield_effects": sum(1 for k in effects if k[1] == "promise_metafields"),
              "metafieldsSet_calls": sum(admin.metafield_owners.values()),
              "tickets": sum(tickets.values()),
              "tickets_by_reason": dict(Counter(r for (_, _, r) in tickets.elements())),
              "ticket_lines_per_ticket": dict(sorted(ticket_lines.items())),
              "notices": sum(notices.values()), "notices_sent": sum(sent.values()), "emails": sink.messages,
              "webhook_rows": sum(len(x) for x in ev.values())}
    return v, counts


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=4, help="orders in flight at once (16 requests each)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`&`)
    from fakeshopify import fake_admin, mail_sink

    sampler = memory.Sampler()
    sampler.start()
    res: dict = {"benchmark": "W6 duplicates", "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                 "args": vars(args)}
    with tempfile.TemporaryDirectory(prefix="shippromise-dup-") as tmp:
        workdir = Path(tmp)
        res["machine"] = machine.describe(workdir)
        res["machine"]["pg_test_fsync"] = machine.pg_test_fsync(workdir)
        with servers.database(args.database, workdir) as url, servers.redis_db14() as redis, \
                fake_admin() as (admin, origin), mail_sink(servers.free_port()) as sink:
            port = servers.free_port()
            env = servers.app_env(url, port)
            env.update(APP_ENV="development", SHOPIFY_API_ORIGIN_OVERRIDE=origin,
                       SMTP_URL=f"smtp://127.0.0.1:{sink.port}")
            servers.migrate(env)
            seed(url, env["TOKEN_ENCRYPTION_KEY"], SHOPS)
            orders = plan_orders(args.orders, datetime.now(UTC))
            with servers.gunicorn("app:app", env, workdir / "app.log"), \
                    workers.rq_workers(env, args.workers, workdir):
                servers.healthz(port)
                t0 = time.monotonic()
                print(f"[send] {args.orders} orders × ({COPIES} same id + {COPIES} distinct ids), "
                      f"{args.parallel} orders at a time", flush=True)
                statuses = asyncio.run(send_all(port, env["SHOPIFY_API_SECRET"], orders, args.parallel))
                res["send_seconds"] = round(time.monotonic() - t0, 1)
                print(f"[send] {sum(statuses.values())} requests in {res['send_seconds']}s: {dict(statuses)}; "
                      "waiting for workers and effects", flush=True)
                res["settle"] = settle(url, redis, env["RQ_QUEUE"])
                res["server_log"] = servers.log_summary(workdir / "app.log")
            res["worker_log"] = workers.log_counts(workdir)
            res["statuses"] = dict(statuses)
            violations, res["counts"] = verify(url, orders, statuses, admin, sink)
            res["fake_admin"] = admin.summary()
    res["violations"] = violations
    res["ended_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    res["memory"] = sampler.stop()
    memory.RESULTS.mkdir(exist_ok=True)
    path = memory.RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-duplicates.json"
    path.write_text(json.dumps(res, indent=2, default=str) + "\n")
    c = res["counts"]
    print("\n| database | orders (fresh / late) | requests | statuses | webhook rows | order rows | promises | "
          "promise_metafields effects / metafieldsSet calls | tickets | notices (sent) / emails | settle s | "
          "violations |")
    print("|---|---|---:|---|---:|---:|---:|---|---|---|---:|---:|")
    print(f"| {args.database} | {args.orders} ({sum(not o['late'] for o in orders)} / "
          f"{sum(o['late'] for o in orders)}) | {sum(statuses.values())} | {dict(statuses)} | {c['webhook_rows']} | "
          f"{c['orders']} | {c['promises']} | {c['metafield_effects']} / {c['metafieldsSet_calls']} | "
          f"{c['tickets']} {c['tickets_by_reason']} | {c['notices']} ({c['notices_sent']}) / {c['emails']} | "
          f"{res['settle']['seconds']} | {len(violations)} |")
    print(f"\nticket lines per ticket: {c['ticket_lines_per_ticket']}\nsettled: {res['settle']}\n"
          f"server log: {res['server_log']}\nworker logs: {res['worker_log']}\nfake admin: {res['fake_admin']}")
    for line in violations[:50]:
        print(f"VIOLATION {line}")
    print(f"\nresults: {path.relative_to(servers.ROOT)}  ({res['started_utc']} – {res['ended_utc']} UTC)")
    print("verdict: exactly one effect " + ("met" if not violations else f"NOT met ({len(violations)} violations)"))
    return 1 if violations else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit("interrupted; every process and database this run started has been stopped")
