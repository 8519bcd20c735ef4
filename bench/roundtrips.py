"""Why a worker is slow on a busy machine: round trips to PostgreSQL and Redis per job, by topic.

    .venv/bin/python bench/roundtrips.py [--events 1000] [--noop 300]

Supporting evidence for W4 (bench/drain.py), not a benchmark: one RQ SimpleWorker runs in this
process (burst mode) over no-op jobs and then over realistic events (bench/events.py) in a fresh
PostgreSQL database, and counts, per job: SQL statements sent (cursor executes), transactions
committed, and Redis round trips (each send of a command or pipeline), split into the job itself
and RQ's own bookkeeping around it, plus the job's wall and CPU time. A synchronous worker waits
for every one of these round trips, so on a loaded machine its rate is the number of round trips
times their latency, not its CPU.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import drain
import servers
from events import stream

sys.path.insert(0, str(servers.ROOT))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--noop", type=int, default=300)
    parser.add_argument("--shops", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, servers.database("postgresql", Path(tmp)) as url, \
            servers.redis_db14():
        env = servers.app_env(url, 0)
        env["RQ_QUEUE"] = f"bench-rt-{os.getpid()}"
        servers.migrate(env)
        drain.seed_shops(url, args.shops)
        loaded = drain.load_events(url, stream(args.events, args.shops))
        print(json.dumps(measure(env, url, loaded["ids"], args.noop), indent=2))


def measure(env: dict, url: str, ids: list[int], noop: int) -> dict:
    import psycopg
    import redis.connection
    from rq import SimpleWorker
    from sqlalchemy import event

    from shop_plugin import create_app, jobs
    from shop_plugin.effects import service as effects
    from shop_plugin.events import processing
    from shop_plugin.extensions import database

    with psycopg.connect(url) as conn:
        topic_of = dict(conn.execute("SELECT id, topic FROM webhook_events"))
    app = create_app(env=env)
    counts: dict[str, Counter] = defaultdict(Counter)
    label = ["rq"]  # who the current round trip is for

    original_send = redis.connection.AbstractConnection.send_packed_command

    def counted_send(self, command, check_health=True):
        counts[label[0]]["redis_round_trips"] += 1
        return original_send(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = counted_send

    def wrap(name_of, func):
        def wrapper(*a):
            previous, label[0] = label[0], name_of(*a)
            t, c = time.perf_counter(), time.process_time()
            try:
                return func(*a)
            finally:
                counts[label[0]]["jobs"] += 1
                counts[label[0]]["wall_ms"] += (time.perf_counter() - t) * 1000
                counts[label[0]]["cpu_ms"] += (time.process_time() - c) * 1000
                label[0] = previous
        return wrapper

    processing.process_event = wrap(lambda i: topic_of.get(i, "?"), processing.process_event)
    effects.run = wrap(lambda i: "effect job (deferred: no token)", effects.run)
    with app.app_context():
        engine = database().engine
        event.listen(engine, "before_cursor_execute", lambda *a: counts[label[0]].update(["sql_statements"]))
        event.listen(engine, "commit", lambda *a: counts[label[0]].update(["commits"]))
        jobs.bind_worker_app(app)
        q = jobs.queue()
        out = {}
        for name, path, args_list in (("noop", "bench.noop:noop", [(i,) for i in range(noop)]),
                                      ("events", drain.PROCESS_EVENT, [(i,) for i in ids])):
            counts.clear()
            qname = f"{env['RQ_QUEUE']}-{name}"
            drain.enqueue(qname, path, args_list)
            from rq import Queue
            t, c = time.perf_counter(), time.process_time()
            label[0] = "rq"
            SimpleWorker([Queue(qname, connection=q.redis)], connection=q.redis).work(burst=True)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            rq_jobs = sum(v["jobs"] for k, v in counts.items() if k != "rq") or len(args_list)
            per = {k: {m: round(n / max(v["jobs"], 1), 2) for m, n in v.items() if m != "jobs"} | {"jobs": v["jobs"]}
                   for k, v in counts.items() if k != "rq"}
            per["rq bookkeeping, per job"] = {m: round(n / rq_jobs, 2) for m, n in counts["rq"].items()}
            out[name] = {"jobs": rq_jobs, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                         "jobs_per_s": round(rq_jobs / wall, 1), "cpu_ms_per_job": round(cpu / rq_jobs * 1000, 2),
                         "per_job": per}
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
