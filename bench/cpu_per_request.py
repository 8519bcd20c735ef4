"""Server CPU per webhook, user and system, and context switches per webhook: bare against the app.

    .venv/bin/python bench/cpu_per_request.py [--databases sqlite,postgresql] [--rounds 3] [--seconds 10]
                                              [--layouts 2x8,8x1]

Supporting evidence for BENCHMARKS.md (W1), not a benchmark of its own. Each round runs the bare
endpoint and then the app under gunicorn.conf.py, each at maximum throughput (the same closed loop
as ingest.py: 16 connections, 2 client processes), and reads the gunicorn workers' own counters from
/proc: user and system CPU, voluntary and involuntary context switches of all their threads. Rounds
alternate bare and app, so the machine's drift over minutes touches both; compare within a round.
The ratio of rates is what ingest.py reports; the per-request CPU says where it comes from. Same
production environment, fresh database and Redis db 14 as ingest.py.

`--layouts` compares gunicorn layouts (WEB_CONCURRENCY x GUNICORN_THREADS; default 2x8, the
configuration's own): within each round every layout runs bare and then the app, so layouts are
compared in the same minutes.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import servers
from cpu import stat_fields
from measure import Plan, Target, max_throughput
from memory import descendants

TICK = os.sysconf("SC_CLK_TCK")
TARGETS = (("bare", "bench.bare_app:app"), ("app", "app:app"))


def counters(pids: list[int]) -> dict[str, int]:
    """CPU ticks (user, system) of the processes, context switches of all their threads."""
    out = {"user": 0, "system": 0, "voluntary": 0, "involuntary": 0}
    for pid in pids:
        fields = stat_fields(str(pid)) or ["0"] * 13
        out["user"] += int(fields[11])
        out["system"] += int(fields[12])
        for task in Path(f"/proc/{pid}/task").iterdir():
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    out["voluntary"] += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches"):
                    out["involuntary"] += int(line.split()[1])
    return out


def layout(text: str) -> dict[str, str]:
    """'8x1' → the gunicorn.conf.py environment for 8 workers of 1 thread."""
    workers, _, threads = text.partition("x")
    if not (workers.isdigit() and threads.isdigit() and int(workers) > 0 and int(threads) > 0):
        raise argparse.ArgumentTypeError(f"a layout is WORKERSxTHREADS, e.g. 2x8, not {text!r}")
    return {"WEB_CONCURRENCY": workers, "GUNICORN_THREADS": threads}


def measure(module: str, env: dict, workdir: Path, plan: Plan, first_order_id: int) -> dict:
    with servers.gunicorn(module, env, workdir / "gunicorn.log") as proc:
        workers = [pid for pid in descendants(proc.pid) if pid != proc.pid]
        before = counters(workers)
        result = max_throughput(plan, Target(int(env["PORT"]), env["SHOPIFY_API_SECRET"], proc.pid), "cpu",
                                first_order_id)
        after = counters(workers)
    served = sum(result["statuses"].values())  # warm-up included, as the counters are
    per = {k: (after[k] - before[k]) / served for k in before}
    return {"req_per_s": round(result["req_per_s"]), "user_ms": round(per["user"] * 1000 / TICK, 3),
            "system_ms": round(per["system"] * 1000 / TICK, 3), "voluntary": round(per["voluntary"], 2),
            "involuntary": round(per["involuntary"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--layouts", default="2x8", help="gunicorn layouts WORKERSxTHREADS, comma-separated")
    args = parser.parse_args()
    layouts = {text.strip(): layout(text.strip()) for text in args.layouts.split(",")}
    plan = Plan(seconds=args.seconds, warmup=2.0)
    print("| database | round | layout | bare req/s | app req/s | app ÷ bare | CPU per request, user + system ms: "
          "bare / app | context switches per request, voluntary + involuntary: bare / app |")
    print("|---|---:|---|---:|---:|---:|---|---|")
    order_id = 10**12
    for kind in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="shippromise-cpu-") as tmp, \
                servers.database(kind.strip(), Path(tmp)) as url, servers.redis_db14():
            env = servers.app_env(url, servers.free_port())
            servers.migrate(env)
            for round_, (name, gunicorn) in ((r, item) for r in range(1, args.rounds + 1) for item in layouts.items()):
                seen = {}
                for target, module in TARGETS:
                    order_id += 10**7
                    seen[target] = measure(module, {**env, **gunicorn}, Path(tmp), plan, order_id)
                bare, app = seen["bare"], seen["app"]
                print(f"| {kind} | {round_} | {name} | {bare['req_per_s']} | {app['req_per_s']} | "
                      f"{app['req_per_s'] / bare['req_per_s']:.2f} | "
                      f"{bare['user_ms']} + {bare['system_ms']} / {app['user_ms']} + {app['system_ms']} | "
                      f"{bare['voluntary']} + {bare['involuntary']} / {app['voluntary']} + {app['involuntary']} |",
                      flush=True)


if __name__ == "__main__":
    sys.exit(main())
