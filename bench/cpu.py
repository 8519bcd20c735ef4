"""CPU accounting for one measured window: the client shares the 2 cores with the server, the
databases and whatever else runs on this (shared) machine, so each run says who used what.

"rest" is the machine's busy time minus client and gunicorn: PostgreSQL and Redis for the app,
and any other load on the machine (for the bare app, that is all it is: noise).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def machine_jiffies() -> tuple[int, int, int]:
    """Machine-wide (busy, steal, total) CPU ticks from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, fields[7], sum(fields)


def stat_fields(pid: str) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from "state" on; comm may contain spaces


def server_ticks(master: int) -> int:
    """CPU ticks of a gunicorn master, its reaped workers (cutime/cstime) and its live workers."""
    if not master:
        return 0
    own = stat_fields(str(master))
    total = sum(int(x) for x in own[11:15]) if own else 0
    for pid in os.listdir("/proc"):
        if pid.isdigit() and (fields := stat_fields(pid)) and fields[1] == str(master):
            total += int(fields[11]) + int(fields[12])
    return total


def mark(server_pid: int) -> tuple[float, float, tuple[int, int, int], int]:
    """Wall time, this process's CPU, machine ticks and server ticks at a window edge."""
    return time.monotonic(), time.process_time(), machine_jiffies(), server_ticks(server_pid)


def cpu_use(marks: list[list[tuple]]) -> dict:
    """Cores used in the window by the machine, the client processes, gunicorn and the rest."""
    marks = [m for m in marks if len(m) == 2]
    if not marks:
        return {}
    (w0, _, (b0, s0, t0), g0), (w1, _, (b1, s1, t1), g1) = marks[0]
    wall, ticks = max(w1 - w0, 1e-9), max(t1 - t0, 1)
    cores = os.cpu_count() or 1
    busy = cores * (b1 - b0) / ticks
    client = sum(end[1] - start[1] for start, end in marks) / wall
    server = (g1 - g0) / TICK / wall
    return {"machine_busy_pct": round(100 * (b1 - b0) / ticks, 1), "steal_pct": round(100 * (s1 - s0) / ticks, 1),
            "client_cores": round(client, 2), "server_cores": round(server, 2),
            "rest_cores": round(max(0.0, busy - client - server), 2)}
