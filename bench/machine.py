"""The machine block: what the figures were measured on, since they only mean something there.

The fsync loop matters most: PostgreSQL with synchronous_commit=on waits for a WAL flush on every
commit, so the disk's flush latency bounds ingest latency (group commit amortises it under load).
"""
from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import subprocess
import time
from importlib import metadata
from pathlib import Path

import psycopg
from redis import Redis
from redis.exceptions import RedisError
from servers import PG_ADMIN, REDIS_URL, ROOT

FSYNC_WRITES = 200
FSYNC_SECONDS = 5.0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def fsync_latency(directory: Path) -> dict:
    """Median and p99 of write(4 KiB) + fsync in `directory`, bounded in count and time."""
    path = directory / "fsync-probe"
    block, samples = os.urandom(4096), []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        deadline = time.monotonic() + FSYNC_SECONDS
        for i in range(FSYNC_WRITES):
            if time.monotonic() > deadline:
                break
            start = time.perf_counter()
            os.pwrite(fd, block, (i % 16) * 4096)
            os.fsync(fd)
            samples.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return {"writes": len(samples), "median_ms": round(statistics.median(samples) * 1000, 3),
            "p99_ms": round(p99 * 1000, 3), "directory": str(directory)}


def _postgres() -> dict:
    with psycopg.connect(PG_ADMIN, connect_timeout=5) as conn:
        show = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("server_version", "synchronous_commit", "wal_sync_method", "fsync",
                             "shared_buffers", "max_connections", "data_directory")}
    return show


def _redis() -> dict:
    """Version and persistence: an enqueue is as durable as Redis is configured to be."""
    conn = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        persistence = dict(conn.config_get("appendonly"), **conn.config_get("save"))
    except RedisError:  # CONFIG may be disabled
        persistence = {}
    return {"version": conn.info("server")["redis_version"], **persistence}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _git() -> dict:
    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    dirty = run("status", "--porcelain").splitlines()
    return {"commit": run("rev-parse", "--short", "HEAD"), "uncommitted_files": len(dirty)}


def describe(database_dir: Path) -> dict:
    """CPU, memory, versions, disk flush latency and the PostgreSQL durability settings."""
    pg = _postgres()
    same_disk = os.stat(database_dir).st_dev == os.stat(pg["data_directory"]).st_dev
    return {
        "cpu_model": _cpu_model(), "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gib": _mem_total_gib(), "kernel": platform.release(), "load_average": os.getloadavg(),
        "python": platform.python_version(), "gunicorn": _version("gunicorn"), "flask": _version("flask"),
        "sqlalchemy": _version("sqlalchemy"), "psycopg": _version("psycopg"), "rq": _version("rq"),
        "shopifyapp": _version("shopifyapp"), "sqlite": sqlite3.sqlite_version, "postgresql": pg,
        "redis": _redis(),
        "fsync_4k": fsync_latency(database_dir), "postgres_data_on_same_device": same_disk, "git": _git(),
    }


PG_TEST_FSYNC = ("/usr/lib/postgresql/15/bin/pg_test_fsync", "pg_test_fsync")


def pg_test_fsync(directory: Path, seconds: int = 1) -> dict:
    """PostgreSQL's own probe (`pg_test_fsync -s 1`) on `directory`, if installed: ops/s per sync
    method; the fdatasync line is what wal_sync_method=fdatasync pays per WAL flush."""
    import re
    import shutil

    exe = next((p for p in PG_TEST_FSYNC if shutil.which(p) or Path(p).exists()), None)
    if exe is None:
        return {"available": False}
    try:
        out = subprocess.run([exe, "-s", str(seconds), "-f", str(directory / "pg_test_fsync.out")],
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"available": True, "error": str(exc)}
    first = out.split("Compare file sync methods using two 8kB writes")[0]  # one 8 kB write per sync
    found = {}
    for name in ("open_datasync", "fdatasync", "fsync", "fsync_writethrough", "open_sync"):
        m = re.search(rf"^\s+{name}\s+([\d.]+) ops/sec\s+([\d.]+) usecs/op", first, re.M)
        if m:
            found[name] = {"ops_per_s": float(m.group(1)), "usecs_per_op": float(m.group(2))}
    return {"available": True, "one_8k_write": found}
