"""Everything the benchmark starts and must stop: databases, gunicorn, and Redis database 14.

Each helper is a context manager so that Ctrl-C or an error in the middle of a run still drops
the PostgreSQL database, stops gunicorn (the whole process group) and flushes Redis db 14.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
READY_SECONDS = 30.0
STOP_SECONDS = 30.0


def app_env(database_url: str, port: int) -> dict[str, str]:
    """A production environment: every required value set, nothing inherited but PATH and HOME."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8", "APP_ENV": "production",
        "SHOPIFY_API_KEY": "bench-api-key", "SHOPIFY_API_SECRET": secrets.token_hex(16),
        "SHOPIFY_APP_URL": "https://shippromise-bench.example", "SECRET_KEY": secrets.token_hex(32),
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(), "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL, "RQ_QUEUE": f"bench-{os.getpid()}-{port}",  # others may share db 14
        "PORT": str(port), "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "8",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file in `workdir`, or shippromise_bench_<pid>."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    name = f"shippromise_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(env: dict[str, str]) -> None:
    """`flask --app app db upgrade`, as the Procfile's release phase does."""
    subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)


@contextmanager
def redis_db14() -> Iterator[Redis]:
    """Redis database 14, flushed before and after (as the brief asks). Other benchmarks in bench/
    use it too, so run them one at a time."""
    conn = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=10)
    conn.flushdb()
    try:
        yield conn
    finally:
        conn.flushdb()
        conn.close()


@contextmanager
def gunicorn(target: str, env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """`gunicorn -c gunicorn.conf.py <target>` in its own session, bound to 127.0.0.1 only.

    --bind overrides the config's 0.0.0.0 so nothing listens beyond loopback; the control
    socket goes next to the log so two gunicorns on this machine never share one.
    """
    port = env["PORT"]
    cmd = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
           "--control-socket", str(log_path.with_suffix(".ctl")), target]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        _wait_ready(proc, int(port), log_path)
        yield proc
    finally:
        stop_process(proc)


def _wait_ready(proc: subprocess.Popen, port: int, log_path: Path) -> None:
    """Until both workers have booted and the port answers (bounded)."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        booted = log_path.read_text(errors="replace").count("Booting worker")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                if booted >= 2:
                    time.sleep(1.0)  # let the second worker finish importing the app
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready after {READY_SECONDS}s; see {log_path}")


def stop_process(proc: subprocess.Popen, grace: float = STOP_SECONDS) -> None:
    """SIGTERM the process (graceful), then SIGKILL its process group if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # stray workers of this group only
    except ProcessLookupError:
        pass
    proc.wait(5)


def healthz(port: int) -> dict:
    """The app's own view of its database and queue; anything but RQ on Redis would measure
    another app (without Redis, jobs run in the web process)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=20) as res:  # a busy shared machine
        health = json.loads(res.read())
    if health.get("database") != "ok" or health.get("queue") != "ok":
        raise RuntimeError(f"the app is not on its database and RQ: /healthz says {health}")
    return health


LOG_PATTERNS = {
    "worker_boots": r"Booting worker",  # the first 2 are the start; each later one replaces a worker
    "worker_timeouts": r"WORKER TIMEOUT",
    "error_lines": r"\[ERROR\]| ERROR ",
    "tracebacks": r"Traceback \(most recent call last\)",
    "webhook_not_stored": r"webhook not stored",
    "enqueue_failed": r"could not enqueue",
}


def log_summary(log_path: Path) -> dict[str, int]:
    """Counts of what gunicorn and the app logged during a run."""
    text = log_path.read_text(errors="replace")
    return {name: len(re.findall(pattern, text)) for name, pattern in LOG_PATTERNS.items()}

