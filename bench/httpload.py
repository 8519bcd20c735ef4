"""A small HTTP/1.1 keep-alive load client (asyncio, GET only): closed loop for the maximum rate,
open loop (requests at fixed times, latency counted from the scheduled time) for latency.

Both open their connections first and send one request on each (not counted), so the server has
accepted them all; with `balanced` (a check such as worker_share.shared) they open them again until
the server's workers share them (worker_share.py says why)."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import worker_share


async def _request(reader, writer, raw: bytes) -> int:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def _connect(port: int):
    return await asyncio.open_connection("127.0.0.1", port)


async def _open(port: int, make: Callable[[], bytes], connections: int,
                balanced: Callable[[], bool] | None) -> tuple[list, dict]:
    """`connections` connections, each accepted and answered once (worker_share.open_until_shared)."""
    async def open_all() -> list:
        conns = await asyncio.gather(*(_connect(port) for _ in range(connections)))
        await asyncio.gather(*(_request(reader, writer, make()) for reader, writer in conns))
        return conns

    def close_all(conns: list) -> None:
        for _, writer in conns:
            writer.close()

    return await worker_share.open_until_shared(open_all, balanced or (lambda: True), close_all)


async def closed_loop(port: int, make: Callable[[], bytes], connections: int, seconds: float,
                      balanced: Callable[[], bool] | None = None) -> dict:
    statuses: Counter = Counter()
    latencies: list[float] = []
    conns, opened = await _open(port, make, connections, balanced)
    deadline = time.perf_counter() + seconds

    async def worker(reader, writer):
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            statuses[await _request(reader, writer, make())] += 1
            latencies.append(time.perf_counter() - t0)
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(*conn) for conn in conns))
    return {**_summary(statuses, latencies, time.perf_counter() - start), **opened}


async def open_loop(port: int, make: Callable[[], bytes], rate: float, seconds: float, pool: int = 64,
                    balanced: Callable[[], bool] | None = None) -> dict:
    statuses: Counter = Counter()
    latencies: list[float] = []
    idle: asyncio.Queue = asyncio.Queue()
    conns, opened = await _open(port, make, pool, balanced)
    for conn in conns:
        idle.put_nowait(conn)

    async def send(at: float):
        conn = await idle.get()
        try:
            statuses[await _request(*conn, make())] += 1
        finally:
            idle.put_nowait(conn)
        latencies.append(time.perf_counter() - at)

    start, tasks, n = time.perf_counter(), [], int(rate * seconds)
    for i in range(n):
        at = start + i / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(at)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait()[1].close()
    return {**_summary(statuses, latencies, time.perf_counter() - start), **opened}


def _summary(statuses: Counter, latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2) if ordered else 0.0

    return {"requests": len(latencies), "req_per_s": round(len(latencies) / elapsed, 1),
            "statuses": dict(statuses), "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0}
