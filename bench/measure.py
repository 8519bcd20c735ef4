"""The two workloads, run over several client processes, and their summaries.

(a) max throughput: closed loop, C keep-alive connections sending back to back;
(b) latency at a given rate: open loop, requests due at fixed times, latency from the due time.
"""
from __future__ import annotations

import math
import multiprocessing
import signal
import statistics
import time
import zlib
from collections import Counter
from dataclasses import dataclass, replace

from cpu import cpu_use
from loadgen import DRAIN_SECONDS, REQUEST_TIMEOUT, Job, Outcome, Sync, run_job, use

START_DELAY = 1.0  # seconds for the client processes to fork and get ready before the common start


@dataclass(frozen=True)
class Plan:
    """How hard to push: connections in all, client processes, window and warm-up in seconds."""

    connections: int = 16
    processes: int = 2
    seconds: float = 20.0
    warmup: float = 2.0
    body_bytes: int = 5 * 1024


@dataclass(frozen=True)
class Target:
    """The server under test: its port, webhook secret and gunicorn master pid."""

    port: int
    secret: str
    pid: int = 0


def _child_signals() -> None:
    """Ctrl-C is the parent's to handle (it ends the pool and stops the servers); the pool's own
    SIGTERM must end a child quietly, not run the handler inherited from the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _child_init(sync: Sync) -> None:
    """As `_child_signals`; and the child opens its connections in step with the others (loadgen.Sync)."""
    _child_signals()
    use(sync)


def _run_processes(jobs: list[Job], timeout: float) -> list[Outcome]:
    """Run one job per process; a bounded wait, and the processes are ended whatever happens."""
    context = multiprocessing.get_context("fork")
    pool = context.Pool(len(jobs), initializer=_child_init, initargs=(Sync(context, len(jobs)),))
    try:
        return pool.map_async(run_job, jobs).get(timeout)
    finally:
        pool.terminate()
        pool.join()


def _jobs(plan: Plan, target: Target, tag: str, first_order_id: int, rate: float) -> list[Job]:
    start_at = time.time() + START_DELAY
    base = Job(port=target.port, secret=target.secret, server_pid=target.pid, tag=tag,
               first_order_id=first_order_id, seed=0, connections=0, start_at=start_at,
               warmup=plan.warmup if rate == 0 else 0.0, seconds=plan.seconds, body_bytes=plan.body_bytes)
    per_proc = [plan.connections // plan.processes + (k < plan.connections % plan.processes)
                for k in range(plan.processes)]
    # The seed names the workload (its first order id): two runs with the same tag send different webhook
    # ids, so a second round is new deliveries, not Shopify retries of the first round's.
    return [replace(base, seed=zlib.crc32(f"{tag}{k}-{first_order_id}".encode()), connections=per_proc[k],
                    first_order_id=first_order_id + k * 10**8, tag=f"{tag}{k}",
                    rate=rate / plan.processes, phase=k / plan.processes)
            for k in range(plan.processes)]


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(q / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


def summarize(outcomes: list[Outcome], seconds: float, rate: float) -> dict:
    """One workload's figures, milliseconds for latencies; `acked` is kept for the database check."""
    latencies = sorted(x for o in outcomes for x in o.latencies)
    errors = sum((o.errors for o in outcomes), Counter())
    statuses = sum((o.statuses for o in outcomes), Counter())
    return {
        "mode": "open loop" if rate else "closed loop",
        "target_rate": round(rate, 1),
        "seconds": seconds,
        "completed": sum(o.completed for o in outcomes),
        "req_per_s": round(sum(o.completed for o in outcomes) / seconds, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": dict(errors),
        "error_count": sum(errors.values()) + sum(o.unsent for o in outcomes),
        "unsent": sum(o.unsent for o in outcomes),
        "dropped_connections_retried": sum(o.drops for o in outcomes),
        "repeated_deliveries": sum(o.repeats for o in outcomes),
        "connections_reopened": max((o.reopened for o in outcomes), default=0),  # until the workers shared them
        "workers_shared_connections": all(o.shared for o in outcomes),
        "latency_ms": {name: round(_percentile(latencies, q) * 1000, 2)
                       for name, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))},
        "latency_mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0.0,
        "cpu": cpu_use([o.marks for o in outcomes]),
        "acked": set().union(*(o.acked for o in outcomes)),
    }


def max_throughput(plan: Plan, target: Target, tag: str, first_order_id: int) -> dict:
    """Closed loop for plan.seconds after plan.warmup."""
    jobs = _jobs(plan, target, tag, first_order_id, rate=0.0)
    timeout = START_DELAY + plan.warmup + plan.seconds + REQUEST_TIMEOUT * 3 + 30
    return summarize(_run_processes(jobs, timeout), plan.seconds, 0.0)


def latency_at(plan: Plan, target: Target, tag: str, first_order_id: int, rate: float) -> dict:
    """Open loop at `rate` requests/s in all for plan.seconds."""
    jobs = _jobs(plan, target, tag, first_order_id, rate=rate)
    timeout = START_DELAY + plan.seconds + DRAIN_SECONDS + REQUEST_TIMEOUT * 3 + 30
    return summarize(_run_processes(jobs, timeout), plan.seconds, rate)
