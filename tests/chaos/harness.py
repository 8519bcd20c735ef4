"""Real processes for failure tests: free ports, bounded waits, subprocesses that always die."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import base_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The failure tests run on PostgreSQL only: the `database_url` fixture without its SQLite case.
POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float = 10.0,
               what: str | Callable[[], str] = "condition") -> object:
    """Poll until `predicate()` is truthy; fail the test (never hang it) after `timeout` seconds.
    `what` names the condition in the failure (a callable is asked then, e.g. for a log's tail)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what() if callable(what) else what}")
        time.sleep(0.02)


def process_env(database_url: str, **extra: str) -> dict:
    """The app's environment for a subprocess: the test settings and nothing inherited but PATH."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "PYTHONUNBUFFERED": "1",
            **base_env(database_url, **extra)}


class Spawned:
    """A subprocess in its own process group, logging to a file; `stop()` kills the whole group."""

    def __init__(self, args: list[str], env: dict, log: Path) -> None:
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"{self.proc.args[:3]} still running after {timeout:.0f} s\n{self.tail()}") from None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.killpg(self.proc.pid, sig)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the group, then SIGKILL whatever is left."""
        try:
            self.signal(signal.SIGTERM)
            self.proc.wait(timeout=grace)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(timeout=grace)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def flask_worker(database_url: str, log: Path, **env: str) -> Spawned:
    """`flask worker --burst`: a real RQ worker process for the app."""
    return Spawned([str(BIN / "flask"), "--app", "app", "worker", "--burst"], process_env(database_url, **env), log)


class RedisServer:
    """A redis-server of the test's own, on a free port, keeping nothing on disk."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.workdir, self.port = workdir, free_port()
        self.server: Spawned | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.server = Spawned([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(self.workdir)],
                              {"PATH": os.environ.get("PATH", "")}, self.workdir / "redis.log")
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
