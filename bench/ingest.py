"""Webhook ingest benchmark: the app's POST /webhooks against a bare 200 endpoint, same gunicorn.

    .venv/bin/python bench/ingest.py [--seconds 20] [--databases sqlite,postgresql] [--sizes 5,30,130] [--control]

For each database: a fresh migrated database, then the bare app and the real app in turn under
gunicorn.conf.py (2 gthread workers x 8 threads, keep-alive), each measured with the same client:
max throughput (closed loop), then latency at half that maximum (open loop). After each run
against the app, the rows are checked against the deliveries that got a 200. With --sizes, the
whole run is repeated per body size in KB (bare and app alike, a fresh database each), and each
gunicorn's workers are sampled for RSS (bench/memory.py). See BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import check
import machine
import memory
import report
import servers
from measure import Plan, Target, latency_at, max_throughput
from redis import Redis

DATABASES = ("sqlite", "postgresql")


class Run:
    """One benchmark run; hands out order-id ranges so no two workloads share an order id."""

    def __init__(self, plan: Plan, workdir: Path, control: bool = False) -> None:
        self.plan, self.workdir, self.blocks, self.control = plan, workdir, 0, control

    def order_ids(self) -> int:
        self.blocks += 1
        return 10**12 + self.blocks * 10**10

    def database(self, kind: str, name: str | None = None) -> dict:
        """Bare then app, both on this database's environment."""
        name = name or kind
        with servers.database(kind, self.workdir) as url, servers.redis_db14() as redis:
            env = servers.app_env(url, servers.free_port())
            servers.migrate(env)
            bare = self.target("bench.bare_app:app", {**env, "PORT": str(servers.free_port())}, f"{name}-bare")
            verify = self.target("bench.verify_only_app:app", {**env, "PORT": str(servers.free_port())},
                                 f"{name}-verify") if self.control else None
            ingest = self.target("app:app", env, f"{name}-app", url=url, redis=redis)
        out = {"database_url": url, "body_bytes": self.plan.body_bytes, "bare": bare, "ingest": ingest,
               "ratio": round(ingest["max"]["req_per_s"] / max(bare["max"]["req_per_s"], 1e-9), 3)}
        if verify:  # control V: shopifyapp's verification alone, the ceiling of any verifying receiver
            out.update(verify=verify, verify_ratio=round(verify["max"]["req_per_s"] / bare["max"]["req_per_s"], 3))
        return out

    def target(self, module: str, env: dict, name: str, url: str | None = None, redis: Redis | None = None) -> dict:
        """Max throughput, then latency at half of it; the database check after each (app only)."""
        port, secret, log = int(env["PORT"]), env["SHOPIFY_API_SECRET"], self.workdir / f"{name}.log"
        result: dict = {"server": module}
        with servers.gunicorn(module, env, log) as proc:
            server = Target(port, secret, proc.pid)
            sampler = memory.Sampler(proc.pid)  # the workers under this master
            sampler.start()
            if url:
                result["healthz"] = servers.healthz(port)
            print(f"[{name}] max throughput: closed loop, {self.plan.connections} connections, "
                  f"{self.plan.seconds:g}s", flush=True)
            boots = servers.log_summary(log)["worker_boots"]
            result["max"] = max_throughput(self.plan, server, "max", self.order_ids())
            boots = self._after(result["max"], log, boots, url, "max", redis, env["RQ_QUEUE"], self.plan.body_bytes)
            rate = result["max"]["req_per_s"] / 2
            print(f"[{name}] {result['max']['req_per_s']:.0f} req/s; latency: open loop at {rate:.0f} req/s",
                  flush=True)
            result["half"] = latency_at(self.plan, server, "lat", self.order_ids(), rate)
            self._after(result["half"], log, boots, url, "lat", redis, env["RQ_QUEUE"], self.plan.body_bytes)
            result["memory"] = sampler.stop()
        result["server_log"] = servers.log_summary(log)
        _keep_log(log, name)
        return result

    @staticmethod
    def _after(summary: dict, log: Path, boots: int, url: str | None, tag: str, redis: Redis | None,
               queue: str, body_bytes: int) -> int:
        """Worker restarts during the workload (max_requests recycling shows in the tail), then
        the database check (app only); returns the boot count so far."""
        now = servers.log_summary(log)["worker_boots"]
        summary["worker_restarts"] = now - boots
        summary["load_average_after"] = [round(x, 2) for x in os.getloadavg()]  # others share the machine too
        acked = summary.pop("acked")
        if url:
            summary["db_check"] = check.check_rows(url, tag, acked, redis, queue, body_bytes)
            print(f"    rows: {json.dumps(summary['db_check'])}", flush=True)
        return now


def _keep_log(log: Path, name: str) -> None:
    """Keep the last server log beside the results, for evidence (bench/results is git-ignored)."""
    report.RESULTS.mkdir(exist_ok=True)
    (report.RESULTS / f"last-{name}.log").write_bytes(log.read_bytes())


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per workload")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before the closed loop")
    parser.add_argument("--databases", default=",".join(DATABASES), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections in all")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--control", action="store_true",
                        help="also measure shopifyapp's verification alone (bench/verify_only_app.py)")
    parser.add_argument("--sizes", default="5", help="comma-separated body sizes in KB, e.g. 5,30,130")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        parser.error("--sizes takes comma-separated whole KB, e.g. 5,30,130")
    if not args.sizes or not all(1 <= x <= 4096 for x in args.sizes):
        parser.error("--sizes: each between 1 and 4096 KB (the app refuses bodies over 5 MB)")
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if not args.databases or set(args.databases) - set(DATABASES):
        parser.error(f"--databases takes a comma-separated subset of {','.join(DATABASES)}")
    if not 1 <= args.seconds <= 600 or args.clients < 1 or args.connections < args.clients:
        parser.error("need 1 <= --seconds <= 600 and --connections >= --clients >= 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    base = Plan(connections=args.connections, processes=args.clients, seconds=args.seconds, warmup=args.warmup)
    with tempfile.TemporaryDirectory(prefix="shippromise-bench-") as tmp:
        workdir = Path(tmp)
        results = {"started_utc": datetime.now(UTC).isoformat(timespec="seconds"), "plan": vars(base),
                   "body_bytes": len(check.body_template()), "sizes_kb": args.sizes,
                   "machine": machine.describe(workdir), "databases": {}}
        results["machine"]["pg_test_fsync"] = machine.pg_test_fsync(workdir)
        for kind in args.databases:
            for size in args.sizes:
                # 5 KB keeps the plain database name, so earlier results and report.py read the same
                name = kind if size == 5 else f"{kind}-{size}KB"
                print(f"== {name}: {size} KB bodies", flush=True)
                own = workdir / name  # its own SQLite file and logs for each size
                own.mkdir()
                run = Run(Plan(**{**vars(base), "body_bytes": size * 1024}), own, args.control)
                results["databases"][name] = run.database(kind, name)
        results["verdict"] = {kind: report.verdict(db) for kind, db in results["databases"].items()}
        results["ended_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    path = report.write_json(results)
    print(f"\nmachine: {json.dumps(results['machine'])}\n")
    print(report.markdown(results))
    if len(args.sizes) > 1 or args.sizes != [5]:
        print("\n" + report.sizes_markdown(results))
    for name, db in results["databases"].items():
        if "verify" in db:
            verify, ingest = db["verify"]["max"]["req_per_s"], db["ingest"]["max"]["req_per_s"]
            print(f"control {name}: verification alone {verify:.0f} req/s = {db['verify_ratio']:.2f} x bare; "
                  f"ingest = {ingest / verify:.2f} x it")
    print(f"\nresults: {path.relative_to(servers.ROOT)}")
    print("verdict: " + "; ".join(f"{kind}: " + ", ".join(f"{k} {report.mark(ok)}" for k, ok in v.items())
                                  for kind, v in results["verdict"].items()))
    return 0 if all(v["rows"] for v in results["verdict"].values()) else 1  # only a lost or doubled row fails


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit("interrupted; every process and database this run started has been stopped")
