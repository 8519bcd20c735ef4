"""Results: the JSON record in bench/results/ and the markdown table printed at the end."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_RATIO, TARGET_P99_MS = 0.5, 50.0


def write_json(results: dict) -> Path:
    """bench/results/<UTC timestamp>.json (git-ignored)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def verdict(db: dict) -> dict[str, bool]:
    """The issue's three targets for one database."""
    ingest = db["ingest"]
    checks = [ingest["max"]["db_check"], ingest["half"]["db_check"]]
    return {
        "ratio": db["ratio"] >= TARGET_RATIO,
        "p99": ingest["half"]["latency_ms"]["p99"] <= TARGET_P99_MS,
        "rows": all(c["missing"] == 0 and c["doubled"] == 0 and c["bodies_wrong_length"] == 0 for c in checks),
    }


def mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _row(name: str, db: dict) -> str:
    bare, ingest, v = db["bare"], db["ingest"], verdict(db)
    lat_b, lat_i = bare["half"]["latency_ms"], ingest["half"]["latency_ms"]
    checks = [ingest["max"]["db_check"], ingest["half"]["db_check"]]
    acked = sum(c["acknowledged_distinct"] for c in checks)
    rows = sum(c["rows"] for c in checks)
    missing = sum(c["missing"] for c in checks)
    doubled = sum(c["doubled"] for c in checks)
    errors = [s["error_count"] for s in (bare["max"], bare["half"], ingest["max"], ingest["half"])]
    return (
        f"| {name} | {bare['max']['req_per_s']:.0f} | {ingest['max']['req_per_s']:.0f} | "
        f"{db['ratio']:.2f} ({mark(v['ratio'])}) | {bare['half']['target_rate']:.0f}: "
        f"{lat_b['p50']:.1f} / {lat_b['p99']:.1f} | {ingest['half']['target_rate']:.0f}: {lat_i['p50']:.1f} / "
        f"{lat_i['p90']:.1f} / {lat_i['p99']:.1f} / {lat_i['max']:.0f} ({mark(v['p99'])}) | "
        f"{' / '.join(map(str, errors))} | {acked} / {rows} / {missing} / {doubled} ({mark(v['rows'])}) | "
        f"{ingest['max']['worker_restarts']} / {ingest['half']['worker_restarts']} |"
    )


def _detail(name: str, db: dict) -> list[str]:
    lines = []
    for target in ("bare", "ingest"):
        for workload in ("max", "half"):
            s = db[target][workload]
            c, ms, cpu = s.get("db_check", {}), s["latency_ms"], s["cpu"]
            lines.append(
                f"| {name} | {target} | {s['mode']} | {s['req_per_s']:.0f} | {ms['p50']:.1f} / "
                f"{ms['p99']:.1f} / {ms['max']:.0f} | {s['statuses']} | {s['errors'] or '-'} | "
                f"{s['dropped_connections_retried']} | {s['worker_restarts']} | {c.get('stored_without_200', '-')} | "
                f"{c.get('rows_in_table', '-')} / {c.get('jobs_in_queue', '-')} | {cpu['machine_busy_pct']:.0f}% / "
                f"{cpu['client_cores']:.2f} / {cpu['server_cores']:.2f} / {cpu['rest_cores']:.2f} |"
            )
        logs = db[target]["server_log"]
        lines.append(f"| {name} | {target} | gunicorn log | worker boots {logs['worker_boots']}, timeouts "
                     f"{logs['worker_timeouts']}, errors {logs['error_lines']}, tracebacks {logs['tracebacks']}, "
                     f"not stored {logs['webhook_not_stored']}, enqueue failed {logs['enqueue_failed']}" + " |" * 10)
    return lines


def markdown(results: dict) -> str:
    """The summary table (one row per database) and the per-workload detail table."""
    dbs = results["databases"]
    out = [
        "| database | bare req/s | ingest req/s | ratio (≥ 0.5) | bare @ req/s: p50 / p99 ms | "
        "ingest @ req/s: p50 / p90 / p99 / max ms (p99 ≤ 50) | errors bare max / ½, ingest max / ½ | "
        "rows acked / stored / missing / doubled | ingest worker restarts max / ½ |",
        "|---|---:|---:|---|---|---|---|---|---|",
        *(_row(name, db) for name, db in dbs.items()),
        "",
        "| database | target | workload | req/s | p50 / p99 / max ms | statuses | errors | drops retried | "
        "worker restarts | stored without 200 | rows in table / event ids queued | "
        "CPU busy; cores client / gunicorn / rest |",
        "|---|---|---|---:|---|---|---|---:|---:|---:|---|---|",
        *(line for name, db in dbs.items() for line in _detail(name, db)),
    ]
    return "\n".join(out)


def _web_rss(target: dict) -> str:
    role = (target.get("memory") or {}).get("roles", {}).get("web worker")
    return f"{role['max_hwm_mib']:.0f}" if role else "-"


def sizes_markdown(results: dict) -> str:
    """One row per database and body size: the ratio against bare at the same size and against
    bare at 5 KB (the issue's B), p99 at half the maximum, and the web workers' peak RSS."""
    dbs = results["databases"]
    out = ["| database | body | bare req/s | ingest req/s | ratio to bare, same size | ratio to bare 5 KB (≥ 0.5) | "
           "ingest p50 / p99 ms at ½ max (p99 ≤ 50) | rows missing / doubled / wrong length | "
           "web worker peak RSS MiB bare / ingest (< 150) |",
           "|---|---:|---:|---:|---:|---|---|---|---|"]
    for name, db in dbs.items():
        kind = name.split("-")[0]
        b5 = dbs.get(kind, {}).get("bare", {}).get("max", {}).get("req_per_s")
        ingest, bare = db["ingest"], db["bare"]
        ratio5 = ingest["max"]["req_per_s"] / b5 if b5 else None
        checks = [ingest["max"]["db_check"], ingest["half"]["db_check"]]
        lat = ingest["half"]["latency_ms"]
        out.append(
            f"| {kind} | {db.get('body_bytes', 5120) // 1024} KB | {bare['max']['req_per_s']:.0f} | "
            f"{ingest['max']['req_per_s']:.0f} | {db['ratio']:.2f} | "
            + (f"{ratio5:.2f} ({mark(ratio5 >= TARGET_RATIO)})" if ratio5 is not None else "-")
            + f" | {lat['p50']:.1f} / {lat['p99']:.1f} ({mark(lat['p99'] <= TARGET_P99_MS)}) | "
            f"{sum(c['missing'] for c in checks)} / {sum(c['doubled'] for c in checks)} / "
            f"{sum(c['bodies_wrong_length'] for c in checks)} | {_web_rss(bare)} / {_web_rss(ingest)} |")
    return "\n".join(out)
