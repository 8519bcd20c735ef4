"""Where a worker's time goes per webhook event: the real handlers called in-process on PostgreSQL.

    .venv/bin/python bench/handler_cost.py [--events 3000] [--shops 100] [--show-sql TOPIC]

Supporting evidence for the W4 section of BENCHMARKS.md, not a benchmark of its own. It loads
bench/events.py's realistic stream (as bench/drain.py does), then calls
`process_event` for each event in one process, no RQ, and reports per topic: SQL statements
and commits per event, the process CPU per event (thread time, so other processes on the machine
do not count) and the wall time (which includes the database's own work and the round trips).
`--show-sql TOPIC` prints the statements of one event of that topic.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import servers
from drain import load_events, seed_shops
from events import stream
from sqlalchemy import event, text

sys.path.insert(0, str(servers.ROOT))  # the app's packages, for create_app


def measure(count: int, shops: int, show_sql: str | None, profile: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="shippromise-handlers-") as tmp, \
            servers.database("postgresql", Path(tmp)) as url, servers.redis_db14():
        env = servers.app_env(url, 0)
        env["RQ_QUEUE"] = f"bench-handlers-{os.getpid()}"
        servers.migrate(env)
        seed_shops(url, shops)
        events = stream(count, shops)
        topics = {}
        loaded = load_events(url, events, grace=0)
        for e, row_id in zip(events, loaded["ids"], strict=True):
            topics[row_id] = e.topic
        os.environ.update(env)
        from shop_plugin import create_app
        from shop_plugin.jobs import run_task

        def process_event(row_id: int) -> None:  # as a worker runs it: its own app context and session
            run_task("shop_plugin.events.processing:process_event", row_id)

        app = create_app()
        engine = app.extensions["database"].engine
        statements: list[str] = []
        commits = [0]
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        timing: dict[str, list[float]] = defaultdict(list)  # statement → wall seconds of each run
        started: list[float] = []
        event.listen(engine, "before_cursor_execute", lambda *a: started.append(time.perf_counter()))
        event.listen(engine, "after_cursor_execute",
                     lambda *a: timing[" ".join(a[2].split())[:90]].append(time.perf_counter() - started.pop()))
        event.listen(engine, "commit", lambda *a: commits.__setitem__(0, commits[0] + 1))
        per_topic: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        shown = False
        profiler = cProfile.Profile(time.thread_time) if profile else None
        with app.app_context():
            from shop_plugin.extensions import session
            backend = session().execute(text("SELECT pg_backend_pid()")).scalar()
            session().commit()
        backend0 = _ticks(backend)
        process0 = time.process_time()
        with app.app_context():
            for n, (row_id, topic) in enumerate(topics.items()):
                statements.clear()
                commits[0] = 0
                cpu, wall = time.thread_time(), time.perf_counter()
                if profiler and n >= count // 10:
                    profiler.runcall(process_event, row_id)
                else:
                    process_event(row_id)
                cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
                if n < count // 10:  # warm-up: statement caches, first shops
                    continue
                stats = per_topic[topic]
                stats["cpu"].append(cpu)
                stats["wall"].append(wall)
                stats["statements"].append(len(statements))
                stats["commits"].append(commits[0])
                if show_sql == topic and not shown:
                    shown = True
                    print(f"--- statements of one {topic} event")
                    for sql in statements:
                        print("  ", " ".join(sql.split())[:220])
        process_cpu = time.process_time() - process0
        backend_cpu = (_ticks(backend) - backend0) / os.sysconf("SC_CLK_TCK")
        print("statement wall time, ms: total / mean / count")
        for sql, runs in sorted(timing.items(), key=lambda kv: -sum(kv[1]))[:20]:
            print(f"  {sum(runs) * 1000:8.0f} {statistics.mean(runs) * 1000:6.2f} {len(runs):6}  {sql}")
        engine.dispose()
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(70)
        by_package: dict[str, float] = defaultdict(float)
        for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
            by_package[_package(filename)] += own
        total = sum(by_package.values())
        print("own time by package:", ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in
                                                sorted(by_package.items(), key=lambda kv: -kv[1])[:12]))
    result = {}
    for topic, stats in sorted(per_topic.items()):
        result[topic] = {
            "events": len(stats["cpu"]),
            "statements": round(statistics.mean(stats["statements"]), 1),
            "commits": round(statistics.mean(stats["commits"]), 1),
            "cpu_ms_median": round(statistics.median(stats["cpu"]) * 1000, 2),
            "wall_ms_median": round(statistics.median(stats["wall"]) * 1000, 2),
        }
    every = [c for stats in per_topic.values() for c in stats["cpu"]]
    walls = [w for stats in per_topic.values() for w in stats["wall"]]
    result["all"] = {"events": len(every), "cpu_ms_mean": round(statistics.mean(every) * 1000, 2),
                     "wall_ms_mean": round(statistics.mean(walls) * 1000, 2),
                     # every thread (the RQ flusher sending the effects the events schedule), warm-up included
                     "process_cpu_ms_per_event": round(process_cpu / len(topics) * 1000, 2),
                     # the PostgreSQL backend serving the session (the pool keeps one connection), warm-up included
                     "postgres_cpu_ms_per_event": round(backend_cpu / len(topics) * 1000, 2)}
    return result


def _ticks(pid: int) -> int:
    """User + system CPU ticks of a process (here: the PostgreSQL backend on this machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if str(servers.ROOT) in filename:
        return "app:" + filename.split(str(servers.ROOT))[1].lstrip("/").split("/")[0]
    return "python"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--show-sql", default=None, help="a topic, e.g. orders/create")
    parser.add_argument("--profile", action="store_true", help="cProfile in thread CPU (slows every call)")
    args = parser.parse_args()
    for topic, row in measure(args.events, args.shops, args.show_sql, args.profile).items():
        print(f"{topic:28} {row}")


if __name__ == "__main__":
    main()
