"""RQ workers as the Procfile runs them (`flask --app app worker`), and the webhook backlog.

Each worker is its own process in its own session (so Ctrl-C reaches the benchmark, which stops
them), logging to a file. Stopping: SIGTERM (RQ's warm shutdown: the current job finishes),
then SIGKILL of the worker's process group if it lingers.
"""
from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from servers import BIN, ROOT, stop_process
from sqlalchemy import create_engine, text

READY_SECONDS = 60.0
STOP_SECONDS = 20.0
DONE_STATUSES = ("processed", "ignored")  # "failed" is due for a retry: still backlog; "dead" is counted apart


@contextmanager
def rq_workers(env: dict[str, str], count: int, log_dir: Path, name: str = "worker") -> Iterator[list]:
    """Start `count` workers on env's REDIS_URL / RQ_QUEUE and wait until each listens."""
    procs, logs = [], []
    try:
        for n in range(count):
            log = log_dir / f"{name}-{n}.log"
            with open(log, "wb") as out:
                procs.append(subprocess.Popen([str(BIN / "flask"), "--app", "app", "worker"], cwd=ROOT, env=env,
                                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
            logs.append(log)
        _wait_listening(procs, logs)
        yield procs
    finally:
        for proc in procs:
            stop(proc)


def _wait_listening(procs: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        for proc, log in zip(procs, logs, strict=True):
            if proc.poll() is not None:
                raise RuntimeError(f"RQ worker exited with {proc.returncode}; see {log}")
        if all("Listening on" in log.read_text(errors="replace") for log in logs):
            return
        time.sleep(0.2)
    raise RuntimeError(f"RQ workers not listening after {READY_SECONDS}s; see {logs}")


def stop(proc: subprocess.Popen) -> None:
    stop_process(proc, STOP_SECONDS)


def log_counts(log_dir: Path, name: str = "worker") -> dict[str, int]:
    """What the workers logged: jobs started and finished, failures, tracebacks."""
    counts = {"job_lines": 0, "job_ok": 0, "job_failed": 0, "tracebacks": 0, "warnings": 0}
    for log in sorted(log_dir.glob(f"{name}-*.log")):
        textual = log.read_text(errors="replace")
        counts["job_lines"] += textual.count("shop_plugin.jobs.run_task(")
        counts["job_ok"] += textual.count("Job OK")
        counts["job_failed"] += textual.count("moved to FailedJobRegistry") + textual.count("Traceback")
        counts["tracebacks"] += textual.count("Traceback (most recent call last)")
        counts["warnings"] += textual.count("WARNING")
    return counts


class Backlog:
    """Counts in webhook_events and effects, read over one connection (cheap enough for 2 Hz)."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                                    pool_size=1, max_overflow=0)
        self.conn = self.engine.connect()

    def statuses(self, table: str = "webhook_events") -> dict[str, int]:
        rows = self.conn.execute(text(f"SELECT status, count(*) FROM {table} GROUP BY status")).all()
        self.conn.commit()
        return dict(rows)

    def pending(self, received_before=None) -> int:
        """Events not processed yet (received, processing or failed awaiting retry)."""
        sql = "SELECT count(*) FROM webhook_events WHERE status IN ('received', 'processing', 'failed')"
        params = {}
        if received_before is not None:
            sql += " AND received_at <= :t"
            params["t"] = received_before
        value = self.conn.execute(text(sql), params).scalar_one()
        self.conn.commit()
        return value

    def scalar(self, sql: str, **params):
        value = self.conn.execute(text(sql), params).scalar()
        self.conn.commit()
        return value

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


@contextmanager
def autovacuum_stand_in(database_url: str, every: float = 60.0) -> Iterator[dict]:
    """This machine's PostgreSQL runs with `autovacuum = off`; a production server vacuums and
    analyzes a busy table on its own (each event row is updated twice, each order check once or
    more). Without it, dead rows pile up and the planner never learns the tables' sizes, and a long
    drain slows down for a reason production does not have. So, when the server's autovacuum is
    off, a thread runs `VACUUM (ANALYZE)` on the database every `every` seconds while the block
    runs; the yielded dict records whether it ran, how often and for how long."""
    record = {"server_autovacuum": None, "stand_in_every_s": every, "runs": 0, "seconds": 0.0}
    with psycopg.connect(database_url, autocommit=True) as conn:
        record["server_autovacuum"] = conn.execute("SHOW autovacuum").fetchone()[0]
        if record["server_autovacuum"] == "on":
            yield record
            return
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                started = time.perf_counter()
                conn.execute("VACUUM (ANALYZE)")
                record["runs"] += 1
                record["seconds"] = round(record["seconds"] + time.perf_counter() - started, 1)

        thread = threading.Thread(target=loop, name="autovacuum-stand-in", daemon=True)
        thread.start()
        try:
            yield record
        finally:
            stop.set()
            thread.join(timeout=600)
