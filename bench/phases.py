"""Where one webhook's CPU goes: the receiver called in-process (WSGI, no HTTP, no gunicorn).

    .venv/bin/python bench/phases.py [--requests 3000] [--databases sqlite,postgresql]

Supporting evidence for BENCHMARKS.md, not a benchmark of its own: it times, in thread CPU, the
three phases of POST /webhooks (verify, store, enqueue) by wrapping them in this process only,
then runs the same requests on 1 and on 8 threads to show what GIL contention adds. Same
production environment, fresh database and Redis db 14 as ingest.py.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import servers
from payloads import DeliveryMaker
from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(servers.ROOT))  # the app's packages, for create_app


def _environs(maker: DeliveryMaker, count: int) -> list[dict]:
    """WSGI environs of signed deliveries, built before any timing starts."""
    environs = []
    for _ in range(count):
        head, body = maker.next().request.split(b"\r\n\r\n", 1)
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        environs.append(EnvironBuilder(path="/webhooks", method="POST", data=body, headers=headers).get_environ())
    return environs


def _timed(name: str, func: Callable, samples: dict[str, list[float]]) -> Callable:
    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return func(*args, **kwargs)
        finally:
            samples[name].append(time.thread_time() - start)
    return wrapper


def _call(app, environs: list[dict]) -> None:
    for environ in environs:
        b"".join(app(environ, lambda *_: None))


def phases(app, environs: list[dict]) -> dict[str, float]:
    """Median thread-CPU milliseconds of each phase, one thread, after a fifth as warm-up."""
    import webhooks.receiver as receiver
    from shop_plugin.shopify.client import ShopifyApp

    samples: dict[str, list[float]] = {"total": [], "verify": [], "store": [], "enqueue": []}
    originals = receiver._store, receiver._enqueue, ShopifyApp.verify_webhook_req
    receiver._store = _timed("store", receiver._store, samples)
    receiver._enqueue = _timed("enqueue", receiver._enqueue, samples)
    ShopifyApp.verify_webhook_req = _timed("verify", ShopifyApp.verify_webhook_req, samples)
    try:
        for environ in environs:
            start = time.thread_time()
            _call(app, [environ])
            samples["total"].append(time.thread_time() - start)
    finally:
        receiver._store, receiver._enqueue, ShopifyApp.verify_webhook_req = originals
    skip = len(environs) // 5
    return {name: round(statistics.median(v[skip:]) * 1000, 3) for name, v in samples.items()}


def threaded(app, environs: list[dict], threads: int) -> dict[str, float]:
    """Requests/s and process CPU per request with `threads` threads sharing the GIL."""
    cpu, wall = time.process_time(), time.perf_counter()
    workers = [threading.Thread(target=_call, args=(app, environs[i::threads])) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"req_per_s": round(len(environs) / wall), "cpu_ms_per_request": round(cpu / len(environs) * 1000, 3)}


def measure(kind: str, count: int, workdir: Path) -> dict:
    with servers.database(kind, workdir) as url, servers.redis_db14():
        env = servers.app_env(url, servers.free_port())
        servers.migrate(env)
        os.environ.update(env)
        from shop_plugin import create_app

        app = create_app()
        maker = DeliveryMaker(env["SHOPIFY_API_SECRET"], "127.0.0.1", "phase", 10**12, 1)
        _call(app, _environs(maker, 200))
        result = {"cpu_ms_median_one_thread": phases(app, _environs(maker, count))}
        for threads in (1, 8):
            result[f"{threads}_threads"] = threaded(app, _environs(maker, count), threads)
        app.extensions["database"].engine.dispose()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shippromise-phases-") as tmp:
        for kind in args.databases.split(","):
            print(kind, measure(kind.strip(), max(100, min(args.requests, 20000)), Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
