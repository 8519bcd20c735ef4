"""W4: worker drain — 100,000 stored webhook events processed by real RQ workers on PostgreSQL.

    .venv/bin/python bench/drain.py [--events 100000] [--shops 500] [--workers 2] [--effects defer|fake]

Target (from the issue): ≥ 200 events/s with the real handlers.

1. A fresh PostgreSQL database `shippromise_bench_<pid>` (migrated with `flask db upgrade`) and
   Redis database 14 (flushed before and after); `--shops` installed shops (no settings: defaults).
2. `--events` realistic deliveries (bench/events.py: orders/create, orders/updated,
   fulfillments/create, fulfillment_events/create from the public fixtures, unique ids, fresh
   times over the last 48 h, sorted by trigger time) COPYed into webhook_events as the receiver
   stores them (status received).
3. Bare: `--bare-jobs` no-op jobs (bench/noop.py through the app's run_task) drained by the same
   number of `flask --app app worker` processes: RQ's and the app's own per-job cost.
4. The events enqueued as the receiver's flusher does (enqueue_many, batches of 500, IDS_PER_JOB
   ids a job), then `--workers` × `flask --app app worker`; events/s counts from the moment every
   worker listens until no event is left received/processing/failed; then until both queues are
   empty too (the effect jobs the handlers scheduled; the metafields writes are low-priority jobs,
   taken when nothing else waits).

PostgreSQL's autovacuum: off on this machine's server, so a thread stands in for it (VACUUM ANALYZE
every 60 s during the drain, bench/workers.py); the result records it.

Effects: `--effects defer` (default): shops have no offline token, so the promise_metafields
effect each new order schedules runs once, finds no token and defers itself by an hour
(RetryLater) — no Shopify call can leave the machine and the app stays APP_ENV=production.
`--effects fake`: shops get tokens and SHOPIFY_API_ORIGIN_OVERRIDE points at a local fake
GraphQL server (bench/fakeshopify.py; needs APP_ENV=development): effects really run.
Effects are not counted as events; their jobs share the workers and are reported.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cpu
import machine
import memory
import psycopg
import servers
import workers
from events import shop_domain, stream
from rq.registry import StartedJobRegistry

sys.path.insert(0, str(servers.ROOT))  # shop_plugin.jobs, for enqueueing exactly as the app does

PROCESS_EVENT = "shop_plugin.events.processing:process_event"
TIMEZONES = ("America/New_York", "America/Los_Angeles", "Europe/Berlin", "Asia/Seoul", "UTC")


def seed_shops(url: str, shops: int) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "INSERT INTO shops (domain, timezone, installed_at, created_at) "
            "SELECT d, tz, now(), now() FROM unnest(%s::text[], %s::text[]) AS t(d, tz) RETURNING id",
            ([shop_domain(n) for n in range(shops)], [TIMEZONES[n % len(TIMEZONES)] for n in range(shops)]),
        ).fetchall()
    return [r[0] for r in rows]


def load_events(url: str, events: list, grace: int = 60) -> dict:
    """COPY the events into webhook_events exactly as the receiver would have stored them."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY webhook_events (shop_domain, webhook_id, event_id, topic, api_version, triggered_at, "
                      "headers, body, source, status, attempts, received_at, next_attempt_at) FROM STDIN") as copy:
            for e in events:
                h = e.headers()
                copy.write_row((e.shop, e.webhook_id, h["X-Shopify-Event-Id"], e.topic, h["X-Shopify-API-Version"],
                                e.at, json.dumps(h), e.body, "webhook", "received", 0, now,
                                now + timedelta(seconds=grace)))
        conn.commit()
        ids = [r[0] for r in conn.execute("SELECT id FROM webhook_events ORDER BY id")]
        conn.execute("ANALYZE webhook_events")
    return {"rows": len(ids), "seconds": round(time.perf_counter() - started, 1), "ids": ids}


def enqueue(queue_name: str, path: str, args_list: list[tuple]) -> float:
    """Enqueue jobs as the app's flusher thread does (RQ enqueue_many, batches of 500; ids of batchable
    jobs grouped IDS_PER_JOB a job); seconds taken."""
    from shop_plugin.jobs import RQQueue

    q = RQQueue(servers.REDIS_URL, queue_name)
    started = time.perf_counter()
    for i in range(0, len(args_list), RQQueue.BATCH):
        q.queue.enqueue_many(q._jobs([(path, args) for args in args_list[i:i + RQQueue.BATCH]]))
    return time.perf_counter() - started


def proc_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        fields = cpu.stat_fields(str(pid))
        if fields:
            total += int(fields[11]) + int(fields[12])
    return total


class Window:
    """CPU of the workers and of the machine between start() and stop()."""

    def start(self, pids: list[int]) -> None:
        self.pids, self.t0, self.m0, self.w0 = pids, time.monotonic(), cpu.machine_jiffies(), proc_ticks(pids)
        self.own0 = time.process_time()

    def stop(self) -> dict:
        wall = max(time.monotonic() - self.t0, 1e-9)
        (b0, s0, t0), (b1, s1, t1) = self.m0, cpu.machine_jiffies()
        cores = os.cpu_count() or 1
        busy = cores * (b1 - b0) / max(t1 - t0, 1)
        workers_cores = (proc_ticks(self.pids) - self.w0) / cpu.TICK / wall
        own = (time.process_time() - self.own0) / wall
        return {"machine_busy_pct": round(100 * (b1 - b0) / max(t1 - t0, 1), 1),
                "steal_pct": round(100 * (s1 - s0) / max(t1 - t0, 1), 1),
                "worker_cores": round(workers_cores, 2), "bench_process_cores": round(own, 2),
                "rest_cores": round(max(0.0, busy - workers_cores - own), 2),
                "load_average_after": [round(x, 2) for x in os.getloadavg()]}


def bare_drain(env: dict, redis, count: int, n_workers: int, workdir: Path) -> dict:
    """No-op jobs through run_task, drained by the same number of workers."""
    queue = env["RQ_QUEUE"] + "-noop"
    wenv = {**env, "RQ_QUEUE": queue}
    enqueue_s = enqueue(queue, "bench.noop:noop", [(i,) for i in range(count)])
    key = f"rq:queue:{queue}"
    with workers.rq_workers(wenv, n_workers, workdir, "noop") as procs:
        window = Window()
        window.start([p.pid for p in procs])
        t0, waiting = time.monotonic(), redis.llen(key)
        started = StartedJobRegistry(queue, connection=redis)
        while redis.llen(key) or started.count:
            time.sleep(0.05)
            if time.monotonic() - t0 > 600:
                raise RuntimeError("no-op jobs not drained in 600 s")
        elapsed = time.monotonic() - t0
        cpu_use = window.stop()
    rate = waiting / elapsed if elapsed else 0.0
    print(f"[bare] {count} no-op jobs: {waiting} measured in {elapsed:.1f}s = {rate:.0f} jobs/s "
          f"(enqueue {enqueue_s:.1f}s)", flush=True)
    return {"jobs": count, "measured_jobs": waiting, "seconds": round(elapsed, 2), "jobs_per_s": round(rate, 1),
            "enqueue_seconds": round(enqueue_s, 1), "cpu": cpu_use, "worker_log": workers.log_counts(workdir, "noop")}


def event_drain(env: dict, url: str, redis, ids: list[int], n_workers: int, workdir: Path, timeout: float,
                py_spy: str | None) -> dict:
    queue, key = env["RQ_QUEUE"], f"rq:queue:{env['RQ_QUEUE']}"
    low_key = key + "-low"  # jobs.LOW: the metafields writes, taken when no other job waits
    enqueue_s = enqueue(queue, PROCESS_EVENT, [(i,) for i in ids])
    print(f"[drain] {len(ids)} jobs enqueued in {enqueue_s:.1f}s; starting {n_workers} workers", flush=True)
    backlog = workers.Backlog(url)
    started = [StartedJobRegistry(name, connection=redis) for name in (queue, queue + "-low")]
    timeline, profile = [], None
    try:
        with workers.rq_workers(env, n_workers, workdir, "worker") as procs, \
                workers.autovacuum_stand_in(url) as vacuum:
            window = Window()
            window.start([p.pid for p in procs])
            t0, wall0 = time.monotonic(), datetime.now(UTC)
            pending0 = backlog.pending()
            t_events = t_all = None
            last_print = t0
            while True:
                time.sleep(1.0)
                now = time.monotonic()
                pending, jobs = backlog.pending(), redis.llen(key) + redis.llen(low_key)
                timeline.append((round(now - t0, 1), pending, jobs))
                if py_spy and profile is None and now - t0 > 30:
                    profile = _start_profile(py_spy, procs[0].pid)
                if now - last_print >= 15:
                    done = pending0 - pending
                    print(f"    {now - t0:5.0f}s: {done} events done ({done / (now - t0):.0f}/s), {pending} left, "
                          f"{jobs} jobs queued", flush=True)
                    last_print = now
                if t_events is None and pending == 0:
                    t_events = now
                if t_events is not None and jobs == 0 and not any(registry.count for registry in started):
                    t_all = now
                    break
                if now - t0 > timeout:
                    print(f"    timeout after {timeout:.0f}s", flush=True)
                    break
            cpu_use = window.stop()
    except BaseException:  # Ctrl-C: the workers are stopped; the database is dropped by the caller
        if profile is not None:
            profile.kill()
        raise
    if profile is not None:
        profile.wait(120)
    try:
        stats = _stats(backlog)
    finally:
        backlog.close()
    measured = pending0 - stats["pending_at_end"]
    # a drain cut by --timeout still has a rate: the events done over the time it ran
    events_s = (t_events - t0) if t_events else (timeline[-1][0] if timeline else None)
    return {
        "enqueue_seconds": round(enqueue_s, 1), "started_utc": wall0.isoformat(timespec="seconds"),
        "pending_when_workers_listened": pending0, "events_measured": measured,
        "completed": t_events is not None,
        "events_seconds": round(events_s, 2) if events_s else None,
        "events_per_s": round(measured / events_s, 1) if events_s else None,
        "all_jobs_seconds": round(t_all - t0, 2) if t_all else None,
        "cpu": cpu_use, "autovacuum": vacuum, "timeline": timeline[::5],
        "worker_log": workers.log_counts(workdir, "worker"), **stats,
    }


def _start_profile(py_spy: str, pid: int) -> subprocess.Popen:
    out = memory.RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-drain-pyspy.txt"
    print(f"    py-spy: 30 s of worker {pid} → {out.relative_to(servers.ROOT)}", flush=True)
    return subprocess.Popen([py_spy, "record", "--pid", str(pid), "--duration", "30", "--rate", "100",
                             "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stats(backlog: workers.Backlog) -> dict:
    def rows(sql: str) -> list:
        result = backlog.conn.exec_driver_sql(sql).all()
        backlog.conn.commit()
        return result

    window = rows("SELECT count(*), min(processed_at), max(processed_at) FROM webhook_events "
                  "WHERE processed_at IS NOT NULL")[0]
    span = (window[2] - window[1]).total_seconds() if window[0] else 0
    return {
        "pending_at_end": backlog.pending(),
        "events_by_topic_status": {f"{t} {s}": n for t, s, n in rows(
            "SELECT topic, status, count(*) FROM webhook_events GROUP BY 1, 2 ORDER BY 1, 2")},
        "processed_at_window": {"events": window[0], "seconds": round(span, 2),
                                "events_per_s": round(window[0] / span, 1) if span else None},
        "effects_by_kind_status": {f"{k} {s}": n for k, s, n in rows(
            "SELECT kind, status, count(*) FROM effects GROUP BY 1, 2 ORDER BY 1, 2")},
        "effect_attempts": rows("SELECT coalesce(sum(attempts), 0) FROM effects")[0][0],
        "effect_errors": {e: n for e, n in rows(
            "SELECT left(error, 80), count(*) FROM effects WHERE error IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 5")},
        "event_errors": {e: n for e, n in rows(
            "SELECT left(error, 120), count(*) FROM webhook_events WHERE error IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 5")},
        "rows": {t: rows(f"SELECT count(*) FROM {t}")[0][0] for t in (
            "shops", "orders", "order_line_items", "order_promises", "fulfillments", "fulfillment_events",
            "order_checks", "tickets", "notices")},
    }


def _cut(d: dict) -> str:
    return "" if d.get("completed", True) else f"; timed out after {d['events_seconds']:.0f} s, partial"


def markdown(res: dict) -> str:
    d, b = res["drain"], res["bare"]
    met = d["events_per_s"] is not None and d["events_per_s"] >= 200
    ratio = d["events_per_s"] / b["jobs_per_s"] if d["events_per_s"] and b["jobs_per_s"] else 0
    mem = res["memory"]["roles"].get("rq worker", {})
    effects = Counter()
    for key, n in d["effects_by_kind_status"].items():
        effects[key] += n
    lines = [
        "| events | shops | workers | effects | bare no-op jobs/s | events/s (≥ 200) | ratio to bare | "
        "drain s (events / all jobs) | processed_at span: events/s | pending at end | effects scheduled | "
        "CPU busy; cores workers / rest | RQ worker max RSS (MiB) |",
        "|---:|---:|---:|---|---:|---|---:|---|---|---:|---|---|---:|",
        f"| {res['events']} | {res['shops']} | {res['workers']} | {res['effects']} | {b['jobs_per_s']:.0f} | "
        f"{d['events_per_s'] or 0:.0f} ({'met' if met else 'NOT met'}{_cut(d)}) | {ratio:.3f} | "
        f"{d['events_seconds']} / {d['all_jobs_seconds']} | {d['processed_at_window']['events_per_s']} | "
        f"{d['pending_at_end']} | {dict(effects)} | {d['cpu']['machine_busy_pct']:.0f}% / "
        f"{d['cpu']['worker_cores']:.2f} / {d['cpu']['rest_cores']:.2f} | {mem.get('max_hwm_mib', '-')} |",
    ]
    return "\n".join(lines)


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="flask worker processes")
    parser.add_argument("--bare-jobs", type=int, default=10_000, help="no-op jobs for the bare baseline")
    parser.add_argument("--effects", choices=("defer", "fake"), default="defer")
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up the drain after this many seconds")
    parser.add_argument("--py-spy", default=None, help="path to py-spy: profile one worker for 30 s")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`&`)
    sampler = memory.Sampler()
    sampler.start()
    res = {"benchmark": "W4 drain", "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
           "events": args.events, "shops": args.shops, "workers": args.workers, "effects": args.effects}
    with tempfile.TemporaryDirectory(prefix="shippromise-drain-") as tmp:
        workdir = Path(tmp)
        res["machine"] = machine.describe(workdir)
        res["machine"]["pg_test_fsync"] = machine.pg_test_fsync(workdir)
        with servers.database("postgresql", workdir) as url, servers.redis_db14() as redis:
            env = servers.app_env(url, 0)
            env["RQ_QUEUE"] = f"bench-drain-{os.getpid()}"
            servers.migrate(env)
            shop_ids = seed_shops(url, args.shops)
            if args.effects == "fake":
                from fakeshopify import add_tokens, fake_admin
                admin_cm = fake_admin()
                admin, origin = admin_cm.__enter__()
                env.update(APP_ENV="development", SHOPIFY_API_ORIGIN_OVERRIDE=origin,
                           SMTP_URL=f"smtp://127.0.0.1:{servers.free_port()}")  # nothing listens: mail would fail
                add_tokens(url, env["TOKEN_ENCRYPTION_KEY"], shop_ids)
            try:
                t = time.perf_counter()
                events = stream(args.events, args.shops)
                topics = Counter(e.topic for e in events)
                body_bytes = sum(len(e.body) for e in events)
                print(f"[load] {len(events)} events built in {time.perf_counter() - t:.1f}s: {dict(topics)}, "
                      f"mean body {body_bytes / len(events):.0f} bytes", flush=True)
                loaded = load_events(url, events, grace=60)
                del events
                print(f"[load] COPY {loaded['rows']} rows in {loaded['seconds']}s", flush=True)
                res["loaded"] = {"rows": loaded["rows"], "seconds": loaded["seconds"], "topics": dict(topics),
                                 "mean_body_bytes": round(body_bytes / max(len(loaded["ids"]), 1))}
                res["bare"] = bare_drain(env, redis, args.bare_jobs, args.workers, workdir)
                res["drain"] = event_drain(env, url, redis, loaded["ids"], args.workers, workdir, args.timeout,
                                           args.py_spy)
                if args.effects == "fake":
                    res["fake_admin"] = admin.summary()
            finally:
                if args.effects == "fake":
                    admin_cm.__exit__(None, None, None)
        res["ended_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    res["memory"] = sampler.stop()
    path = memory.RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-drain.json"
    memory.RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(res, indent=2, default=str) + "\n")
    print(f"\nmachine: {json.dumps(res['machine'], default=str)}\n")
    print(markdown(res))
    print("\n" + "\n".join(memory.TABLE_HEAD + memory.table_rows("W4", res["memory"])))
    d = res["drain"]
    print(f"\nby topic/status: {d['events_by_topic_status']}\neffects: {d['effects_by_kind_status']} "
          f"(attempts {d['effect_attempts']}; errors {d['effect_errors']})\nevent errors: {d['event_errors']}\n"
          f"rows: {d['rows']}\nworker logs: {d['worker_log']}")
    print(f"\nresults: {path.relative_to(servers.ROOT)}  ({res['started_utc']} – {res['ended_utc']} UTC)")
    return 0 if d["pending_at_end"] == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit("interrupted; every process and database this run started has been stopped")
