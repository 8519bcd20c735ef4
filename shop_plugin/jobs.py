"""The one enqueue facade. RQ workers when REDIS_URL is set, otherwise the web process.

Jobs are named by import path and take ids, never objects, so any job can run twice
(the database decides whether there is still work to do).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from queue import Empty, SimpleQueue

from flask import Flask, current_app
from werkzeug.utils import import_string

log = logging.getLogger(__name__)
JOB_TIMEOUT = 300
# Jobs that take one durable row id and claim the row themselves: buffered ones are sent to RQ as
# one job per IDS_PER_JOB ids (run_many), since RQ's own cost per job (~27 Redis round trips,
# several ms of CPU) is larger than the work of most events.
BATCHABLE = {"shop_plugin.events.processing:process_event", "shop_plugin.effects.service:run"}
# Tasks that take a whole batch of ids at once (run_many hands them the lot) instead of one by one.
BATCH_FORMS = {"shop_plugin.events.processing:process_event": "shop_plugin.events.processing:process_events"}
IDS_PER_JOB = 20
# A batch stops taking ids after this long and queues the rest again, so RQ's timeout for the whole
# job (which strikes mid-task, e.g. after a relay accepted an email and before it was marked sent)
# is never reached by a batch of slow tasks (twenty emails through a slow relay).
BATCH_BUDGET = JOB_TIMEOUT / 3
# A worker takes a LOW job only when no NORMAL one waits (RQ reads its queues in order). LOW is for
# work that may trail a burst without anyone waiting on it: the Admin API writes that mirror what
# the database already holds, which Shopify's per-shop budget paces anyway. Everything a person
# waits for (webhook events, emails, refunds, replies) is NORMAL.
NORMAL, LOW = "normal", "low"
SWEEP_PAGES = 100  # pages of due rows one sweep may queue (of 500: 50,000 rows a minute)
LOW_SUFFIX = "-low"  # the LOW queue's name: RQ_QUEUE + this
Call = tuple[str, tuple, str]  # (task path, args, priority): what enqueue_soon buffers


def task_path(func: Callable) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def run_task(path: str, *args) -> object:
    """Entry point of every job: run the task in a fresh app context of the worker's app. What it
    hands to `enqueue_soon` (effects its work scheduled) is sent when the job ends (see `_holding`)."""
    app = _worker_app or current_app._get_current_object()
    with _holding(app), app.app_context():
        return import_string(path.replace(":", "."))(*args)


def run_many(path: str, *row_ids: int) -> None:
    """Entry point of a batched job: each id as its own task, in its own app context (so its own
    database session), or all of them to the task's batch form (BATCH_FORMS). One failing never
    stops the rest; its row is durable and retried by the sweep. What the tasks hand to
    `enqueue_soon` (the effects their events schedule) is sent when the batch ends."""
    started = time.monotonic()
    with _holding(_worker_app or current_app._get_current_object()):
        if path in BATCH_FORMS:
            try:
                run_task(BATCH_FORMS[path], *row_ids)
            except Exception:  # noqa: BLE001 - the rows are durable; the sweeper enqueues them again
                log.exception("job %s%r failed; the sweeper will retry them", BATCH_FORMS[path], row_ids)
            return
        for done, row_id in enumerate(row_ids):
            if done and time.monotonic() - started > BATCH_BUDGET:  # at least one, then see BATCH_BUDGET
                priority = _running_priority()
                _held.jobs.extend((path, (rest,), priority) for rest in row_ids[done:])
                log.warning("job %s: %d ids left after %.0f s, queued again", path, len(row_ids) - done,
                            time.monotonic() - started)
                return
            try:
                run_task(path, row_id)
            except Exception:  # noqa: BLE001 - logged; the row's claim and retry state live in the database
                log.exception("job %s(%s) failed; the sweeper will retry it", path, row_id)


def _running_priority() -> str:
    """The priority of the RQ job running on this thread (the queue it came from)."""
    from rq import get_current_job

    job = get_current_job()
    low = (_worker_app or current_app._get_current_object()).extensions["jobs"].low_queue.name
    return LOW if job is not None and job.origin == low else NORMAL


_held = threading.local()  # enqueue_soon calls the job running on this thread holds back, else None


@contextmanager
def _holding(app: Flask) -> Iterator[None]:
    """While a job runs, `enqueue_soon` calls wait in a list; when it ends they are sent in one
    pipeline, grouped (IDS_PER_JOB ids a job), before the worker takes its next job: not one RQ job
    per effect, and never left to a flusher thread when a `--burst` worker is about to exit.
    Nested jobs (run_many → run_task) send once, at the outer end."""
    if getattr(_held, "jobs", None) is not None:
        yield
        return
    _held.jobs = []
    try:
        yield
    finally:
        held, _held.jobs = _held.jobs, None
        if held:
            app.extensions["jobs"].send(held)


_worker_app: Flask | None = None


def bind_worker_app(app: Flask) -> None:
    """Give RQ jobs, which start outside any request, the app they run in."""
    global _worker_app
    _worker_app = app


class InlineQueue:
    """No Redis: run the job after the caller's commit, synchronously (tests) or on a thread."""

    def __init__(self, app: Flask, mode: str) -> None:
        self.app, self.mode = app, mode
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jobs") if mode == "thread" else None

    def enqueue(self, path: str, *args) -> None:
        if self.pool is None:
            self._run(path, *args)
        else:
            self.pool.submit(self._run, path, *args)

    def _run(self, path: str, *args) -> None:
        try:
            with self.app.app_context():
                import_string(path.replace(":", "."))(*args)
        except Exception:
            log.exception("inline job %s%r failed; the sweeper will retry it", path, args)

    def enqueue_soon(self, path: str, *args, priority: str = NORMAL) -> None:
        self.enqueue(path, *args)

    def enqueue_each(self, path: str, row_ids: list[int], priority: str = NORMAL) -> None:
        for row_id in row_ids:
            self.enqueue(path, row_id)

    def flush(self, block: bool = True) -> int:
        return 0

    def waiting(self, priority: str) -> int:
        return 0  # jobs run as they are queued

    def ping(self) -> str:
        return "inline"


class RQQueue:
    """RQ on Redis. `enqueue_soon` batches: a per-process thread sends buffered jobs in one
    pipeline (RQ's enqueue_many), so the webhook receiver never waits on Redis."""

    BATCH = 500
    # After the first buffered call, the flusher waits this long for others, so deliveries arriving
    # one by one still share jobs (IDS_PER_JOB ids each): RQ's cost per job is paid by the workers,
    # per job, not per event. It delays processing, never a response; the sweeper's grace is minutes.
    LINGER = 0.05
    MAX_BUFFERED = 50_000  # Redis down for long: stop buffering; the sweeper has the durable rows

    def __init__(self, redis_url: str, name: str) -> None:
        from redis import Redis
        from rq import Queue

        self.redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(name, connection=self.redis)
        self.low_queue = Queue(name + LOW_SUFFIX, connection=self.redis)
        self.queues = {NORMAL: self.queue, LOW: self.low_queue}  # a worker's order: see NORMAL, LOW
        self.buffer: SimpleQueue = SimpleQueue()
        self.flusher: threading.Thread | None = None
        self.flusher_lock = threading.Lock()
        self.closing = threading.Event()

    def _job(self, path: str, args: tuple, entry: Callable = run_task):
        return self.queue.prepare_data(entry, (path, *args), timeout=JOB_TIMEOUT, result_ttl=0, failure_ttl=86400)

    def enqueue(self, path: str, *args) -> None:
        self.queue.enqueue(run_task, path, *args, job_timeout=JOB_TIMEOUT, result_ttl=0, failure_ttl=86400)

    def enqueue_each(self, path: str, row_ids: list[int], priority: str = NORMAL) -> None:
        """One call per id, sent now in one pipeline (batched as the flusher does)."""
        if row_ids:
            self._send([(path, (row_id,), priority) for row_id in row_ids])

    def enqueue_soon(self, path: str, *args, priority: str = NORMAL) -> None:
        """Hand the job to the flusher thread (started in this process on first use), or to the RQ
        job running on this thread (`run_task`, `run_many`), which sends it when it ends."""
        call = (path, args, priority)
        held = getattr(_held, "jobs", None)
        if held is not None:
            held.append(call)
            return
        if self.closing.is_set():  # no flusher after close(): send at once rather than buffer for nobody
            self.send([call])
            return
        if self.flusher is None or not self.flusher.is_alive():
            with self.flusher_lock:
                if self.flusher is None or not self.flusher.is_alive():
                    self.flusher = threading.Thread(target=self._flush_forever, name="rq-flusher", daemon=True)
                    self.flusher.start()
        if self.buffer.qsize() < self.MAX_BUFFERED:
            self.buffer.put(call)

    def flush(self, block: bool = True) -> int:
        """Send what is buffered now; returns how many jobs were sent."""
        batch = []
        try:
            batch.append(self.buffer.get(block=block, timeout=1 if block else None))
            if block:
                time.sleep(self.LINGER)
            while len(batch) < self.BATCH:
                batch.append(self.buffer.get_nowait())
        except Empty:
            pass
        self.send(batch)
        return len(batch)

    def send(self, batch: list[Call]) -> None:
        """Enqueue (path, args, priority) calls in one pipeline; on failure log: their rows are durable."""
        if batch:
            try:
                self._send(batch)
            except Exception:  # noqa: BLE001 - the rows are durable; the sweeper enqueues them later
                log.exception("could not enqueue %d job(s); the sweeper will", len(batch))

    def _send(self, batch: list[Call]) -> None:
        """Each priority's calls to its queue, all in one pipeline (one round trip)."""
        by_priority: dict[str, list[tuple[str, tuple]]] = {}
        for path, args, priority in batch:
            by_priority.setdefault(priority, []).append((path, args))
        with self.redis.pipeline() as pipe:
            for priority, calls in by_priority.items():
                self.queues[priority].enqueue_many(self._jobs(calls), pipeline=pipe)
            pipe.execute()

    def _jobs(self, batch: list[tuple[str, tuple]]) -> list:
        """RQ jobs for the buffered calls of one priority: batchable ones grouped, IDS_PER_JOB ids a job."""
        jobs, ids = [], {}
        for path, args in batch:
            if path in BATCHABLE and len(args) == 1:
                ids.setdefault(path, []).append(args[0])
            else:
                jobs.append(self._job(path, args))
        for path, row_ids in ids.items():
            for i in range(0, len(row_ids), IDS_PER_JOB):
                chunk = tuple(row_ids[i:i + IDS_PER_JOB])
                jobs.append(self._job(path, chunk, run_task if len(chunk) == 1 else run_many))
        return jobs

    def _flush_forever(self) -> None:
        while not self.closing.is_set():
            self.flush(block=True)

    def close(self, timeout: float = 10.0) -> int:
        """The process is exiting (a gunicorn worker, `flask worker`): let the flusher finish the batch
        it holds, then send what is still buffered, so no stored row waits for the sweeper for
        nothing. Returns how many jobs were sent here."""
        self.closing.set()
        if self.flusher is not None:
            self.flusher.join(timeout)
        sent = 0
        while count := self.flush(block=False):
            sent += count
        return sent

    def waiting(self, priority: str) -> int:
        """Jobs in the priority's queue not taken by a worker yet."""
        return self.queues[priority].count

    def ping(self) -> str:
        self.redis.ping()
        return "ok"


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    if url:
        app.extensions["jobs"] = RQQueue(url, app.config["RQ_QUEUE"])
    else:
        app.extensions["jobs"] = InlineQueue(app, app.config["INLINE_JOBS"])
    if not url and app.config["INLINE_JOBS"] == "thread":
        _start_periodic_on_first_request(app)


def _start_periodic_on_first_request(app: Flask) -> None:
    """Without Redis there is no scheduler process: the serving process runs periodic jobs.
    Started on the first request (any request: it wraps the whole WSGI app, the webhook receiver
    included) so CLI commands (migrations) never start it."""
    from shop_plugin import schedule

    serve = app.wsgi_app
    started: list = []
    lock = threading.Lock()

    def start_periodic_then_serve(environ, start_response):
        if not started:
            with lock:
                if not started:
                    started.append(schedule.start_inline_timer(app))
        return serve(environ, start_response)

    app.wsgi_app = start_periodic_then_serve


def queue() -> InlineQueue | RQQueue:
    return current_app.extensions["jobs"]


def enqueue_soon(func: Callable, *args, priority: str = NORMAL) -> None:
    """Queue `func(*args)` without waiting for Redis: for callers whose work is already durable
    (a committed webhook row), where a lost enqueue only means the sweeper runs it later."""
    queue().enqueue_soon(task_path(func), *args, priority=priority)


def sweep_pages(priority: str) -> int:
    """How many pages of due rows a sweep sends to the priority's queue: all of them (SWEEP_PAGES at
    most) when the queue is empty, since nothing due can be waiting in it; one page while workers are
    behind, so a backlog is not queued again every minute."""
    return SWEEP_PAGES if queue().waiting(priority) == 0 else 1


def enqueue_each(func: Callable, row_ids: list[int], priority: str = NORMAL) -> None:
    """Queue `func(row_id)` for every id (the sweeps). Raises if the queue is unreachable."""
    queue().enqueue_each(task_path(func), row_ids, priority=priority)


def enqueue(func: Callable, *args) -> None:
    """Queue `func(*args)`. Raises if the queue is unreachable; callers that hold a durable
    row may swallow that, since the sweeper will enqueue the row again."""
    queue().enqueue(task_path(func), *args)
