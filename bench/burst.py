"""W2: a 10× burst of webhooks for 60 s, with real RQ workers consuming, on PostgreSQL.

    .venv/bin/python bench/burst.py [--seconds 60] [--base auto|REQ_PER_S] [--workers 2]

Targets (from the issue): no connection errors, no 5xx, and the backlog the burst left drained
within 2 × the burst (120 s after it ends).

1. A fresh PostgreSQL database, Redis db 14 (flushed), gunicorn.conf.py as in W1 (2 gthread
   workers × 8 threads), the app in APP_ENV=production; shops have no token, so the
   promise_metafields effect of each new order defers itself (no Shopify call can leave the
   machine; see bench/drain.py).
2. Calibration (`--calibrate` s each, no RQ worker running, like W1): the bare endpoint's and the
   app's maximum (closed loop). Unless `--base` is given, the base rate is ingest max / 2 / 10:
   the burst then runs at W1's "half the maximum", the rate at which W1 asks for p99 ≤ 50 ms,
   and the base is a tenth of it.
3. `--workers` × `flask --app app worker` start and drain the calibration's rows first (that
   drain's rate is reported: it is what the workers sustain with no web traffic).
4. One open-loop schedule (requests due at fixed times; latency from the due time): `--warm` s at
   the base rate, `--seconds` at 10 × base (the burst), then the base rate again for 2 × the
   burst. Bodies: 5 KB orders/create as in W1 (10 % Shopify-style repeats), created "now".
5. Every 0.5 s: events not yet processed (received, processing or failed awaiting retry), all of
   them and those received before the burst ended, and the length of both RQ queues. Drain time =
   from the end of the burst until no event received before the end of the burst is left
   unprocessed. Then, until no effect is left pending: when the metafields writes each new order
   schedules, low-priority jobs that wait for the events (shop_plugin/jobs.py), caught up. If the
   schedule ends first, polling goes on (no traffic) for up to `--max-wait` s.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import signal
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import machine
import memory
import servers
import workers
from loadgen import REQUEST_TIMEOUT, Connection, Outcome, _deliver
from measure import Plan, Target, _child_signals, _percentile, max_throughput
from payloads import DeliveryMaker

START_DELAY = 2.0
IDLE_REOPEN = 4.0  # gunicorn closes keep-alive connections idle for 5 s: reopen before that, as HTTP clients do
FIXTURE_TIME = b"2026-11-20T10:00:00-05:00"  # the date in payloads' template (created/processed/updated)


@dataclass
class Segment:
    name: str
    rate: float  # requests/s in all
    seconds: float


@dataclass
class ClientJob:
    port: int
    secret: str
    tag: str
    first_order_id: int
    seed: int
    connections: int
    start_at: float
    segments: list[Segment]
    index: int
    processes: int


@dataclass
class ClientResult:
    outcome: Outcome
    latencies: dict[str, list[float]] = field(default_factory=dict)
    late_sends: int = 0  # sent more than 1 s after their due time (the client or server fell behind)


def _fresh_maker(job: ClientJob) -> DeliveryMaker:
    maker = DeliveryMaker(job.secret, f"127.0.0.1:{job.port}", job.tag, job.first_order_id, job.seed)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00").encode()
    assert len(now) == len(FIXTURE_TIME)  # same length: the body size is unchanged
    maker.template = maker.template.replace(FIXTURE_TIME, now)  # an order of today, not of 2026-11-20
    return maker


def _schedule(job: ClientJob, t0: float) -> list[tuple[float, str]]:
    """This process's share of the due times: request i of a segment is due at start + (i + k/P) / rate."""
    due, offset = [], 0.0
    for seg in job.segments:
        rate = seg.rate / job.processes
        for i in range(int(seg.rate * seg.seconds / job.processes)):
            due.append((t0 + offset + (i + job.index / job.processes) / rate, seg.name))
        offset += seg.seconds
    return due


async def _client(job: ClientJob) -> ClientResult:
    loop = asyncio.get_running_loop()
    res = ClientResult(Outcome(), {s.name: [] for s in job.segments})
    maker = _fresh_maker(job)
    t0 = loop.time() + max(0.0, job.start_at - time.time())
    schedule = iter(_schedule(job, t0))
    end = t0 + sum(s.seconds for s in job.segments) + 15.0

    async def worker() -> None:
        conn, last_used = Connection(job.port), loop.time()
        for due, phase in schedule:
            now = loop.time()
            if now > end:
                res.outcome.unsent += 1
                continue
            if due > now:
                await asyncio.sleep(due - now)
            elif now - due > 1.0:
                res.late_sends += 1
            if loop.time() - last_used > IDLE_REOPEN:
                conn.close()  # not a connection error: the server would close it any moment
            status = await _deliver(conn, maker.next(), res.outcome)
            last_used = loop.time()
            if status == 200:
                res.outcome.completed += 1
                res.latencies[phase].append(loop.time() - due)
        conn.close()

    await asyncio.sleep(max(0.0, t0 - loop.time()))
    await asyncio.gather(*(worker() for _ in range(job.connections)))
    res.outcome.repeats = maker.repeats
    res.outcome.acked = set()  # not needed here; keeps the pickle back to the parent small
    return res


def run_client(job: ClientJob) -> ClientResult:
    return asyncio.run(_client(job))


def calibrate(plan: Plan, env: dict, workdir: Path) -> dict:
    """Closed-loop maximum of the bare endpoint and of the app (no RQ worker running)."""
    out = {}
    for name, module, port_env in (("bare", "bench.bare_app:app", {"PORT": str(servers.free_port())}),
                                   ("ingest", "app:app", {})):
        senv = {**env, **port_env}
        with servers.gunicorn(module, senv, workdir / f"cal-{name}.log") as proc:
            if name == "ingest":
                servers.healthz(int(senv["PORT"]))
            res = max_throughput(plan, Target(int(senv["PORT"]), senv["SHOPIFY_API_SECRET"], proc.pid), f"cal{name}",
                                 10**12 + (1 if name == "bare" else 2) * 10**10)
        res.pop("acked", None)
        out[name] = res
        print(f"[calibrate] {name}: {res['req_per_s']:.0f} req/s (closed loop, {plan.seconds:g}s); "
              f"statuses {res['statuses']}", flush=True)
    return out


def _summ(latencies: list[float]) -> dict:
    values = sorted(latencies)
    return {"count": len(values), **{k: round(_percentile(values, q) * 1000, 1)
                                     for k, q in (("p50", 50), ("p99", 99), ("max", 100))}}


def run(args: argparse.Namespace, workdir: Path, res: dict) -> None:
    with servers.database("postgresql", workdir) as url, servers.redis_db14() as redis:
        port = servers.free_port()
        env = servers.app_env(url, port)
        servers.migrate(env)
        cal_plan = Plan(connections=args.connections, processes=args.clients, seconds=args.calibrate, warmup=1.0)
        res["calibration"] = calibrate(cal_plan, env, workdir)
        ingest_max = res["calibration"]["ingest"]["req_per_s"]
        base = args.base if args.base else ingest_max / 2 / 10
        burst = base * args.factor
        res["rates"] = {"base": round(base, 1), "burst": round(burst, 1), "factor": args.factor,
                        "burst_over_ingest_max": round(burst / ingest_max, 2) if ingest_max else None}
        print(f"[rates] base {base:.1f} req/s, burst {burst:.1f} req/s for {args.seconds:g}s "
              f"({res['rates']['burst_over_ingest_max']} × the calibrated ingest max)", flush=True)
        backlog = workers.Backlog(url)
        try:
            with servers.gunicorn("app:app", env, workdir / "app.log") as proc, \
                    workers.rq_workers(env, args.workers, workdir), workers.autovacuum_stand_in(url) as vacuum:
                servers.healthz(port)
                t, pending = time.monotonic(), backlog.pending()
                while (left := backlog.pending()) and time.monotonic() - t < args.max_wait:
                    time.sleep(0.5)
                took = time.monotonic() - t
                res["calibration_drain"] = {"events": pending, "seconds": round(took, 1), "left": left,
                                            "events_per_s": round(pending / took, 1) if took and not left else None}
                print(f"[workers] drained the calibration's {pending} events in {took:.1f}s "
                      f"({res['calibration_drain']['events_per_s']} events/s, no web traffic)", flush=True)
                res["burst_run"] = _burst(args, env, port, base, burst, backlog, redis, proc.pid)
                res["server_log"] = servers.log_summary(workdir / "app.log")
                res["autovacuum"] = vacuum
            res["worker_log"] = workers.log_counts(workdir)
            res["final_statuses"] = backlog.statuses()
            res["effects"] = backlog.statuses("effects")
        finally:
            backlog.close()


def _burst(args, env: dict, port: int, base: float, burst: float, backlog: workers.Backlog, redis,
           server_pid: int) -> dict:
    segments = [Segment("warm", base, args.warm), Segment("burst", burst, args.seconds),
                Segment("after", base, args.after if args.after is not None else 2 * args.seconds)]
    start_at = time.time() + START_DELAY
    jobs = [ClientJob(port=port, secret=env["SHOPIFY_API_SECRET"], tag=f"b{k}", first_order_id=10**12 + 5 * 10**10
                      + k * 10**8, seed=zlib.crc32(f"burst{k}".encode()),
                      connections=args.connections // args.clients, start_at=start_at, segments=segments, index=k,
                      processes=args.clients) for k in range(args.clients)]
    burst_start = start_at + args.warm
    burst_end = burst_start + args.seconds
    burst_end_utc = datetime.fromtimestamp(burst_end, UTC)
    schedule_end = burst_end + segments[2].seconds
    key, low_key = f"rq:queue:{env['RQ_QUEUE']}", f"rq:queue:{env['RQ_QUEUE']}-low"  # jobs.NORMAL, jobs.LOW
    print(f"[burst] {datetime.fromtimestamp(start_at, UTC):%H:%M:%S} warm {args.warm:g}s @ {base:.1f}/s, "
          f"burst {args.seconds:g}s @ {burst:.1f}/s until {burst_end_utc:%H:%M:%S} UTC, "
          f"then {segments[2].seconds:g}s @ {base:.1f}/s", flush=True)
    pool = multiprocessing.get_context("fork").Pool(len(jobs), initializer=_child_signals)
    timeline, drained_at, caught_up_at, peak = [], None, None, (0, 0.0)
    try:
        pending_result = pool.map_async(run_client, jobs)
        last_print = 0.0
        while True:
            time.sleep(0.5)
            now = time.time()
            total = backlog.pending()
            of_burst = backlog.pending(burst_end_utc) if now >= burst_end else None
            jobs_queued, low_queued = redis.llen(key), redis.llen(low_key)
            writes = backlog.scalar("SELECT count(*) FROM effects WHERE status IN ('pending', 'processing')") \
                if drained_at is not None else None
            timeline.append((round(now - burst_start, 1), total, of_burst, jobs_queued, low_queued, writes))
            if total > peak[0]:
                peak = (total, round(now - burst_start, 1))
            if now - last_print >= 10:
                phase = "warm" if now < burst_start else "burst" if now < burst_end else "after"
                print(f"    {phase:5} t={now - burst_start:6.1f}s backlog {total} (of the burst: {of_burst}), "
                      f"{jobs_queued} jobs queued, {low_queued} low-priority", flush=True)
                last_print = now
            if drained_at is None and of_burst == 0 and now >= burst_end + 0.5:
                drained_at = now
                print(f"    burst backlog drained {drained_at - burst_end:.1f}s after the burst ended", flush=True)
            if caught_up_at is None and writes == 0:
                caught_up_at = now
                print(f"    background writes (low priority) caught up {caught_up_at - burst_end:.1f}s after "
                      "the burst ended", flush=True)
            if pending_result.ready() and (caught_up_at is not None or now > schedule_end + args.max_wait):
                break
            if now > schedule_end + args.max_wait + 60:
                raise RuntimeError("load clients did not finish")
        results: list[ClientResult] = pending_result.get(REQUEST_TIMEOUT * 3)
    finally:
        pool.terminate()
        pool.join()
    statuses = sum((r.outcome.statuses for r in results), Counter())
    errors = sum((r.outcome.errors for r in results), Counter())
    drain_s = round(drained_at - burst_end, 1) if drained_at else None
    latencies = {s.name: _summ([x for r in results for x in r.latencies[s.name]]) for s in segments}
    five_xx = sum(n for code, n in statuses.items() if code >= 500)
    out = {
        "segments": [vars(s) for s in segments], "burst_end_utc": burst_end_utc.isoformat(timespec="seconds"),
        "sent": sum(statuses.values()), "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": dict(errors), "connection_drops_retried": sum(r.outcome.drops for r in results),
        "unsent": sum(r.outcome.unsent for r in results), "late_sends": sum(r.late_sends for r in results),
        "repeats": sum(r.outcome.repeats for r in results), "latency_ms": latencies,
        "peak_backlog": {"events": peak[0], "at_s_from_burst_start": peak[1]},
        "drain_seconds_after_burst": drain_s, "drain_limit_seconds": 2 * args.seconds,
        "background_writes_caught_up_after_burst_s": round(caught_up_at - burst_end, 1) if caught_up_at else None,
        "timeline": timeline[::4],
    }
    out["verdict"] = {
        "no_connection_errors": out["connection_drops_retried"] == 0 and not any(
            k in errors for k in ("connection dropped", "timeout")) and out["unsent"] == 0,
        "no_5xx": five_xx == 0,
        "drained_within_2x": drain_s is not None and drain_s <= 2 * args.seconds,
    }
    return out


def markdown(res: dict) -> str:
    b = res["burst_run"]
    v, lat = b["verdict"], b["latency_ms"]
    mark = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    cal = res["calibration"]
    mem = res["memory"]["roles"]
    rss = lambda role: f"{mem[role]['max_hwm_mib']:.0f}" if role in mem else "-"  # noqa: E731
    return "\n".join([
        "| bare / ingest max req/s (ratio) | base → burst req/s | sent | statuses | connection errors "
        "(drops, timeouts, unsent) | 5xx | latency p50 / p99 / max ms: warm, burst, after | peak backlog | "
        "drained after burst (≤ 2 × burst) | background writes caught up after | workers alone: events/s | "
        "peak RSS MiB web / RQ |",
        "|---|---|---:|---|---|---|---|---|---|---|---:|---|",
        f"| {cal['bare']['req_per_s']:.0f} / {cal['ingest']['req_per_s']:.0f} "
        f"({cal['ingest']['req_per_s'] / max(cal['bare']['req_per_s'], 1e-9):.2f}) | "
        f"{res['rates']['base']:.0f} → {res['rates']['burst']:.0f} for {b['segments'][1]['seconds']:g}s | "
        f"{b['sent']} | "
        f"{b['statuses']} | {b['connection_drops_retried']} / {b['errors'].get('timeout', 0)} / {b['unsent']} "
        f"({mark(v['no_connection_errors'])}) | {sum(n for c, n in b['statuses'].items() if int(c) >= 500)} "
        f"({mark(v['no_5xx'])}) | " + ", ".join(f"{lat[p]['p50']} / {lat[p]['p99']} / {lat[p]['max']}"
                                                 for p in ("warm", "burst", "after")) +
        f" | {b['peak_backlog']['events']} | {b['drain_seconds_after_burst']} s of {b['drain_limit_seconds']} "
        f"({mark(v['drained_within_2x'])}) | {b.get('background_writes_caught_up_after_burst_s')} s | "
        f"{res['calibration_drain']['events_per_s']} | "
        f"{rss('web worker')} / {rss('rq worker')} |",
    ])


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="burst length")
    parser.add_argument("--base", type=float, default=0.0, help="base req/s (default: calibrated ingest max / 20)")
    parser.add_argument("--factor", type=float, default=10.0, help="burst = factor × base")
    parser.add_argument("--warm", type=float, default=10.0, help="seconds at the base rate before the burst")
    parser.add_argument("--after", type=float, default=None, help="seconds at the base rate after (default 2 × burst)")
    parser.add_argument("--max-wait", type=float, default=300.0, help="extra polling after the schedule, no traffic")
    parser.add_argument("--workers", type=int, default=2, help="flask worker processes")
    parser.add_argument("--calibrate", type=float, default=5.0, help="closed-loop seconds per calibration")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= 600 or args.base < 0 or args.factor <= 0 or args.clients < 1:
        parser.error("need 1 <= --seconds <= 600, --base >= 0, --factor > 0, --clients >= 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`&`)
    sampler = memory.Sampler()
    sampler.start()
    res: dict = {"benchmark": "W2 burst", "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                 "args": vars(args)}
    with tempfile.TemporaryDirectory(prefix="shippromise-burst-") as tmp:
        workdir = Path(tmp)
        res["machine"] = machine.describe(workdir)
        res["machine"]["pg_test_fsync"] = machine.pg_test_fsync(workdir)
        try:
            run(args, workdir, res)
        finally:
            for log in ("app.log", "worker-0.log", "worker-1.log"):
                if (workdir / log).exists():
                    memory.RESULTS.mkdir(exist_ok=True)
                    (memory.RESULTS / f"last-burst-{log}").write_bytes((workdir / log).read_bytes()[-2_000_000:])
    res["ended_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    res["memory"] = sampler.stop()
    path = memory.RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-burst.json"
    path.write_text(json.dumps(res, indent=2, default=str) + "\n")
    print(f"\nmachine: {json.dumps(res['machine'], default=str)}\n")
    print(markdown(res))
    print("\n" + "\n".join(memory.TABLE_HEAD + memory.table_rows("W2", res["memory"])))
    print(f"\nserver log: {res.get('server_log')}\nworker logs: {res.get('worker_log')}\n"
          f"events: {res.get('final_statuses')}\neffects: {res.get('effects')}")
    print(f"\nresults: {path.relative_to(servers.ROOT)}  ({res['started_utc']} – {res['ended_utc']} UTC)")
    v = res["burst_run"]["verdict"]
    print("verdict: " + ", ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in v.items()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit("interrupted; every process and database this run started has been stopped")
