"""Memory: RSS of every gunicorn worker and RQ worker while a benchmark runs.

    .venv/bin/python bench/memory.py                      # W1 (3 sizes), W2, W4, W3, shortened
    .venv/bin/python bench/memory.py --full               # the full-length commands
    .venv/bin/python bench/memory.py -- bench/burst.py --seconds 20   # any one command

Targets (from the issue): web worker < 150 MB RSS, RQ worker < 200 MB, during W1–W4.

Two uses. As a library, `Sampler(root_pid)` is a thread that every 0.5 s walks the process tree
under `root_pid` (the benchmark itself: everything it started) and reads VmRSS and VmHWM (the
kernel's peak RSS of the process, so a peak between two samples is not missed) from
/proc/<pid>/status; bench/burst.py, bench/drain.py and bench/duplicates.py embed it. As a
command, it runs benchmark scripts one after the other as child processes and samples each.
Roles come from the command line: `gunicorn` whose parent is gunicorn = web worker, the other
gunicorn = master, `flask … worker` = RQ worker; anything else (the load client, the benchmark
itself) is "other" and is reported but not judged. MB here is MiB (VmRSS is in KiB).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
INTERVAL = 0.5
LIMITS_MIB = {"web worker": 150, "rq worker": 200}
ROLES = ("web worker", "gunicorn master", "rq worker", "other")


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return None


def _ppid(pid: int) -> int | None:
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])


def _cmdline(pid: int) -> list[str]:
    raw = _read(f"/proc/{pid}/cmdline") or ""
    return [part for part in raw.split("\0") if part]


def _status_kib(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in KiB, or None if the process is gone."""
    text = _read(f"/proc/{pid}/status")
    if text is None:
        return None
    values = {}
    for line in text.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, value = line.split(":", 1)
            values[name] = int(value.split()[0])
    if "VmRSS" not in values:  # a zombie has no memory lines
        return None
    return values["VmRSS"], values.get("VmHWM", values["VmRSS"])


def _is_gunicorn(cmd: list[str]) -> bool:
    return any(Path(part).name == "gunicorn" for part in cmd[:2])


def role_of(cmd: list[str], parent_cmd: list[str]) -> str:
    if _is_gunicorn(cmd):
        return "web worker" if _is_gunicorn(parent_cmd) else "gunicorn master"
    if any(Path(part).name == "flask" for part in cmd[:2]) and "worker" in cmd:
        return "rq worker"
    return "other"


def descendants(root: int) -> dict[int, int]:
    """pid → ppid of every live process under `root` (root excluded)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (ppid := _ppid(int(entry))) is not None:
            parents[int(entry)] = ppid
    found, frontier = {}, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        for child in children.get(frontier.pop(), []):
            found[child] = parents[child]
            frontier.append(child)
    return found


class Sampler(threading.Thread):
    """Samples the tree under `root` every INTERVAL seconds until stop(); thread-safe summary()."""

    def __init__(self, root: int | None = None, interval: float = INTERVAL) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.root, self.interval = root or os.getpid(), interval
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.pids: dict[int, dict] = {}  # pid → {role, cmd, max_rss_kib, hwm_kib, samples, first, last}
        self.samples = 0
        self.started_at = time.time()
        self.timeline: list[tuple[float, dict[str, int]]] = []  # (t, role → max RSS KiB this sample)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(self.interval)
        self.sample()

    def sample(self) -> None:
        tree = descendants(self.root)
        cmds = {pid: _cmdline(pid) for pid in tree}
        now, per_role = time.time(), {}
        with self.lock:
            self.samples += 1
            for pid, ppid in tree.items():
                mem = _status_kib(pid)
                if mem is None or not cmds[pid]:
                    continue
                rss, hwm = mem
                info = self.pids.get(pid)
                if info is None:
                    parent = cmds.get(ppid) or _cmdline(ppid)
                    info = self.pids[pid] = {"role": role_of(cmds[pid], parent), "cmd": " ".join(cmds[pid])[:120],
                                             "max_rss_kib": 0, "hwm_kib": 0, "samples": 0, "first": now}
                info["max_rss_kib"] = max(info["max_rss_kib"], rss)
                info["hwm_kib"] = max(info["hwm_kib"], hwm)
                info["samples"] += 1
                info["last"] = now
                per_role[info["role"]] = max(per_role.get(info["role"], 0), rss)
            self.timeline.append((round(now - self.started_at, 1), per_role))

    def stop(self) -> dict:
        self.stopping.set()
        if self.is_alive():
            self.join(5)
        return self.summary()

    def summary(self) -> dict:
        """Max RSS per role (sampled, and the kernel's peak VmHWM), processes seen, and the verdict."""
        with self.lock:
            roles: dict[str, dict] = {}
            for pid, info in self.pids.items():
                r = roles.setdefault(info["role"], {"processes": 0, "max_rss_mib": 0.0, "max_hwm_mib": 0.0,
                                                    "pids": []})
                r["processes"] += 1
                r["max_rss_mib"] = max(r["max_rss_mib"], round(info["max_rss_kib"] / 1024, 1))
                r["max_hwm_mib"] = max(r["max_hwm_mib"], round(info["hwm_kib"] / 1024, 1))
                r["pids"].append({"pid": pid, "max_rss_mib": round(info["max_rss_kib"] / 1024, 1),
                                  "hwm_mib": round(info["hwm_kib"] / 1024, 1), "samples": info["samples"],
                                  "cmd": info["cmd"]})
            for name, r in roles.items():
                if name in LIMITS_MIB:
                    r["limit_mib"] = LIMITS_MIB[name]
                    r["met"] = r["max_hwm_mib"] < LIMITS_MIB[name]
            # keep the timeline small in the JSON: one point per ~5 s
            step = max(1, len(self.timeline) // 200)
            timeline = [(t, {k: round(v / 1024, 1) for k, v in roles_.items()})
                        for t, roles_ in self.timeline[::step]]
            return {"interval_s": self.interval, "samples": self.samples, "roles": roles, "timeline": timeline}


def table_rows(workload: str, summary: dict) -> list[str]:
    rows = []
    for role in ROLES:
        r = summary["roles"].get(role)
        if not r:
            continue
        limit = f"< {r['limit_mib']} MB: {'met' if r['met'] else 'NOT met'}" if "limit_mib" in r else "-"
        rows.append(f"| {workload} | {role} | {r['processes']} | {r['max_rss_mib']:.1f} | {r['max_hwm_mib']:.1f} | "
                    f"{limit} |")
    return rows


TABLE_HEAD = ["| workload | role | processes | max RSS sampled (MiB) | max VmHWM (MiB) | target |",
              "|---|---|---:|---:|---:|---|"]

PY = str(ROOT / ".venv" / "bin" / "python")
SHORT = {
    "W1": [PY, "bench/ingest.py", "--databases", "postgresql", "--sizes", "5,30,130", "--seconds", "10"],
    "W2": [PY, "bench/burst.py", "--seconds", "30"],
    "W4": [PY, "bench/drain.py", "--events", "5000", "--bare-jobs", "2000"],
    "W3": [PY, "bench/promise.py", "--databases", "postgresql", "--seconds", "5", "--rounds", "2"],
}
FULL = {
    "W1": [PY, "bench/ingest.py", "--sizes", "5,30,130"],
    "W2": [PY, "bench/burst.py"],
    "W4": [PY, "bench/drain.py"],
    "W3": [PY, "bench/promise.py"],
}


def run_one(name: str, cmd: list[str], log_dir: Path) -> dict:
    """Run one benchmark command as a child (its own session), sampling its whole tree."""
    log = log_dir / f"memory-{name}.log"
    print(f"[{name}] {' '.join(cmd)}  (output: {log.relative_to(ROOT)})", flush=True)
    started = datetime.now(UTC)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    try:
        code = proc.wait()
    except BaseException:
        proc.send_signal(signal.SIGINT)  # the benchmark cleans up its own processes and database
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        sampler.stop()
        raise
    summary = sampler.stop()
    return {"command": cmd, "exit_code": code, "started_utc": started.isoformat(timespec="seconds"),
            "ended_utc": datetime.now(UTC).isoformat(timespec="seconds"), "memory": summary}


def main(argv: list[str]) -> int:
    if "--" in argv:
        own, cmd = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    else:
        own, cmd = argv, []
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="full-length benchmark commands")
    parser.add_argument("--only", default="W1,W2,W4,W3", help="which of W1,W2,W4,W3 (default all)")
    args = parser.parse_args(own)
    if cmd and Path(cmd[0]).suffix == ".py":
        cmd = [PY, *cmd]
    plan = {"custom": cmd} if cmd else {k: v for k, v in (FULL if args.full else SHORT).items()
                                        if k in args.only.split(",")}
    RESULTS.mkdir(exist_ok=True)
    out = {"started_utc": datetime.now(UTC).isoformat(timespec="seconds"), "interval_s": INTERVAL, "runs": {}}
    for name, command in plan.items():
        out["runs"][name] = run_one(name, command, RESULTS)
        print("\n".join(TABLE_HEAD + table_rows(name, out["runs"][name]["memory"])), flush=True)
    path = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-memory.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print("\n" + "\n".join(TABLE_HEAD + [row for name, run in out["runs"].items()
                                         for row in table_rows(name, run["memory"])]))
    failed = [name for name, run in out["runs"].items() if run["exit_code"] != 0]
    print(f"\nresults: {path.relative_to(ROOT)}" + (f"; commands that failed: {failed}" if failed else ""))
    return 1 if failed else 0


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit("interrupted; the running benchmark was asked to stop and clean up")
