"""The load generator: asyncio keep-alive HTTP/1.1 connections over raw streams, several processes.

Raw streams rather than http.client or httpx because the client shares the 2 cores with the
server: the cheaper a request is for the client, the more of the machine the server gets. The
same client drives the bare endpoint and the app; it costs more beside the faster bare app, so
if anything the ratio flatters the app (BENCHMARKS.md, caveats).

A delivery whose connection drops before an answer (a gunicorn worker recycling, a reset) is sent
again, same webhook id and bytes, on a new connection, as Shopify would retry it; such drops are
counted. A non-200 answer is counted as an error and not retried.

Before the common start the processes open their connections and send one delivery on each (not
measured), then, together, open them again until the server's workers share them (worker_share.py
says why; `Sync`).
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import cpu
import worker_share
from payloads import Delivery, DeliveryMaker

REQUEST_TIMEOUT = 10.0  # seconds for one answer
MAX_ATTEMPTS = 3  # sends of one delivery when its connection drops
DRAIN_SECONDS = 15.0  # how long an open-loop run may overrun its schedule before giving up


@dataclass
class Job:
    """What one client process does; `start_at` is wall-clock so all processes start together."""

    port: int
    secret: str
    tag: str
    first_order_id: int
    seed: int
    connections: int
    start_at: float
    warmup: float
    seconds: float
    rate: float = 0.0  # requests/s of this process; 0 means closed loop
    phase: float = 0.0  # open loop: this process's offset within one interval, in intervals
    server_pid: int = 0  # gunicorn master, for CPU accounting
    body_bytes: int = 5 * 1024  # size of each orders/create body (payloads.body_template)


@dataclass
class Outcome:
    """What one client process saw. Latencies are seconds, measured requests only."""

    completed: int = 0  # 200s inside the measured window
    statuses: Counter = field(default_factory=Counter)  # every answer, warm-up included
    errors: Counter = field(default_factory=Counter)  # deliveries given up, by reason
    drops: int = 0  # connections lost mid-request and retried
    unsent: int = 0  # open loop: scheduled but not sent before the drain deadline
    repeats: int = 0
    reopened: int = 0  # times the connections were opened again before the start
    shared: bool = True  # whether the server's workers shared them at the start
    marks: list[tuple] = field(default_factory=list)  # cpu.mark() at the window's edges
    latencies: list[float] = field(default_factory=list)
    acked: set[tuple[str, str]] = field(default_factory=set)  # (shop, webhook id) answered 200


class Dropped(Exception):
    """The connection ended before a complete answer."""


class Connection:
    """One persistent HTTP/1.1 connection; reopened lazily after a drop or Connection: close."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> int:
        """Send one request and read the answer; returns the status or raises Dropped."""
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer.write(request)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status, length, close = _parse_head(head)
            if length:
                await self.reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            self.close()
            raise Dropped(type(exc).__name__) from exc
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _parse_head(head: bytes) -> tuple[int, int, bool]:
    """Status, Content-Length and whether the server will close, from a response head."""
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value.strip().lower() == b"close"
    return status, length, close


async def _deliver(conn: Connection, delivery: Delivery, out: Outcome) -> int | None:
    """Send until answered (at most MAX_ATTEMPTS, each bounded); the status, or None if given up."""
    for _ in range(MAX_ATTEMPTS):
        try:
            status = await asyncio.wait_for(conn.post(delivery.request), REQUEST_TIMEOUT)
        except Dropped:
            out.drops += 1
            continue
        except TimeoutError:
            conn.close()
            out.errors["timeout"] += 1
            return None
        out.statuses[status] += 1
        if status == 200:
            out.acked.add(delivery.key)
        else:
            out.errors[f"http {status}"] += 1
        return status
    out.errors["connection dropped"] += 1
    return None


class Sync:
    """What the client processes of one run share (set up before they fork): a barrier, and the
    verdict one of them reads from /proc for all of them."""

    def __init__(self, context, processes: int) -> None:
        self.barrier = context.Barrier(processes, timeout=60)  # a process that died fails the run
        self.verdict = context.Value("b", 0)

    def all_shared(self, job: Job) -> bool:
        """Every process's connections are open: do the server's workers share them? (Blocking; every
        process gets the same answer, so they open their connections again, or stop, together.)"""
        if self.barrier.wait() == 0:  # one process judges
            self.verdict.value = worker_share.shared(job.server_pid, job.port)
        self.barrier.wait()
        return bool(self.verdict.value)


_SYNC: Sync | None = None  # of this client process's run (measure.py sets it in each process)


def use(sync: Sync | None) -> None:
    global _SYNC
    _SYNC = sync


async def _open(job: Job, maker: DeliveryMaker, out: Outcome) -> list[Connection]:
    """This process's connections, each answered once (worker_share.open_until_shared)."""
    async def open_all() -> list[Connection]:
        conns = [Connection(job.port) for _ in range(job.connections)]
        await asyncio.gather(*(_deliver(conn, maker.next(), out) for conn in conns))
        return conns

    def close_all(conns: list[Connection]) -> None:
        for conn in conns:
            conn.close()

    sync = _SYNC if job.server_pid else None
    conns, opened = await worker_share.open_until_shared(
        open_all, (lambda: sync.all_shared(job)) if sync else (lambda: True), close_all)
    out.reopened, out.shared = opened["reopened"], opened["shared"]
    return conns


async def _closed_worker(job: Job, conn: Connection, maker: DeliveryMaker, out: Outcome, t0: float) -> None:
    """Back-to-back requests on one connection until the window ends."""
    loop = asyncio.get_running_loop()
    measure_from, end = t0 + job.warmup, t0 + job.warmup + job.seconds
    while (start := loop.time()) < end:
        status = await _deliver(conn, maker.next(), out)
        done = loop.time()
        if status == 200 and measure_from <= start and done <= end:
            out.completed += 1
            out.latencies.append(done - start)
    conn.close()


async def _open_worker(job: Job, conn: Connection, maker: DeliveryMaker, schedule, out: Outcome) -> None:
    """Take the next scheduled time, wait for it, send; latency counts from the scheduled time,
    so a request that waited for a free connection shows that wait."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + job.warmup + job.seconds + DRAIN_SECONDS
    for due in schedule:
        now = loop.time()
        if now > deadline:
            out.unsent += 1
            continue
        if due > now:
            await asyncio.sleep(due - now)
        status = await _deliver(conn, maker.next(), out)
        if status == 200:
            out.completed += 1
            out.latencies.append(loop.time() - due)
    conn.close()


async def _run(job: Job) -> Outcome:
    loop, out = asyncio.get_running_loop(), Outcome()
    maker = DeliveryMaker(job.secret, f"127.0.0.1:{job.port}", job.tag, job.first_order_id, job.seed,
                          job.body_bytes)
    await asyncio.sleep(max(0.0, job.start_at - time.time()))
    conns = await _open(job, maker, out)
    t0 = loop.time()  # the processes leave the barrier together
    loop.call_at(t0 + job.warmup, lambda: out.marks.append(cpu.mark(job.server_pid)))
    if job.rate > 0:
        count = int(job.rate * job.seconds)
        schedule = iter([t0 + (i + job.phase) / job.rate for i in range(count)])
        workers = [_open_worker(job, conn, maker, schedule, out) for conn in conns]
    else:
        workers = [_closed_worker(job, conn, maker, out, t0) for conn in conns]
    await asyncio.gather(*workers)
    await asyncio.sleep(t0 + job.warmup + job.seconds - loop.time())  # the window ends no earlier than planned
    out.marks.append(cpu.mark(job.server_pid))
    out.repeats = maker.repeats
    return out


def run_job(job: Job) -> Outcome:
    """Entry point of one client process."""
    return asyncio.run(_run(job))
