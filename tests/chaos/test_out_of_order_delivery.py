"""1,000 webhooks for 50 shops, delivered in random order on 4 threads with 10 % sent twice, end in
exactly the state that in-order delivery gives (each shop's webhooks in the order they happened):
orders, line items, fulfilments, carrier events, refunds, promises, checks, tickets, notices,
effects. Every Shopify write and every email happens once.

The in-order reference runs at the same time in another process, on SQLite, so the comparison
also holds the two databases to the same result."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tests.chaos import convergence, traffic
from tests.chaos.harness import POSTGRES, ROOT
from tests.support import FakeShopify

pytestmark = [pytest.mark.services, POSTGRES]


@pytest.fixture
def reference(sqlite_template, tmp_path):
    """Start the in-order run; the fixture's value waits for its outcome."""
    now = datetime.now(UTC).replace(microsecond=0)
    path = tmp_path / "reference.sqlite3"
    shutil.copy(sqlite_template, path)
    log = tmp_path / "reference.log"
    with open(log, "wb") as errors:
        proc = subprocess.Popen([sys.executable, "-m", "tests.chaos.reference_run", str(path), now.isoformat()],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True)

    def outcome() -> dict:
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode == 0, log.read_text(errors="replace")[-3000:]
        return json.loads(out)

    try:
        yield now, outcome
    finally:
        proc.kill()
        proc.communicate()


def test_random_order_duplicates_and_concurrency_end_in_the_in_order_state(reference, make_app, database_url,
                                                                          smtp_server):
    now, expected_outcome = reference
    smtp_url, sink = smtp_server
    chaos = traffic.shuffled_with_duplicates(traffic.timeline(convergence.SEED, now, len(convergence.SHOPS)),
                                             convergence.SEED)
    assert len(chaos) == 1100
    shopify = FakeShopify()
    # Commits need not wait for the disk: only a PostgreSQL crash could tell, and this test has none.
    fast = f"{database_url}?options=-c%20synchronous_commit%3Doff"
    app = make_app(env={"SMTP_URL": smtp_url, "DATABASE_URL": fast}, SHOPIFY_TRANSPORT=shopify.transport())
    actual = convergence.run(app, shopify, sink.messages, [[d] for d in chaos], threads=4)
    expected = expected_outcome()

    assert len(expected["state"]["events"]) == 1000 and {e[2] for e in expected["state"]["events"]} == {"processed"}
    assert expected["state"]["tickets"] and expected["state"]["notices"] and expected["mail"]  # the traffic breaches
    for table, rows in expected["state"].items():
        assert actual["state"][table] == rows, f"{table} differ after out-of-order delivery"
    assert set(expected["writes"].values()) == {1} and len(expected["writes"]) == len(expected["state"]["orders"])
    assert actual["writes"] == expected["writes"]
    assert set(expected["mail"].values()) == {1} and actual["mail"] == expected["mail"]


def test_batches_applied_side_by_side_end_in_the_in_order_state(reference, make_app, database_url, smtp_server,
                                                                 redis_env):
    """The same traffic through RQ: workers apply the order events of each job together, jobs side by
    side, and the state is still the in-order one."""
    now, expected_outcome = reference
    smtp_url, sink = smtp_server
    chaos = traffic.shuffled_with_duplicates(traffic.timeline(convergence.SEED, now, len(convergence.SHOPS)),
                                             convergence.SEED)
    shopify = FakeShopify()
    fast = f"{database_url}?options=-c%20synchronous_commit%3Doff"
    app = make_app(env={"SMTP_URL": smtp_url, "DATABASE_URL": fast, **redis_env},
                   SHOPIFY_TRANSPORT=shopify.transport())
    actual = convergence.run_in_batches(app, shopify, sink.messages, [[d] for d in chaos], threads=4)
    expected = expected_outcome()
    for table, rows in expected["state"].items():
        assert actual["state"][table] == rows, f"{table} differ after batched delivery"
    assert actual["writes"] == expected["writes"]
    assert actual["mail"] == expected["mail"]
