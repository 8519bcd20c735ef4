"""`flask reconcile`: an operator's run with a line per page and a summary."""
from __future__ import annotations

import httpx

from shop_plugin.reconcile.models import ReconcileRun
from tests.reconcile.support import ago, install, order_node, rows, shop_orders, stamp
from tests.support import SHOP


def reconcile(app, *args: str):
    return app.test_cli_runner().invoke(args=["reconcile", *args])


def lines(result, *prefixes: str) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith(prefixes)]


def test_a_run_prints_each_page_and_a_summary(app, client, shopify_orders):
    install(client)
    for n in range(12):
        shopify_orders.put(order_node(9500 + n, ago(minutes=30 - n)))
    result = reconcile(app, "--shop", SHOP, "--since", stamp(ago(hours=2)))
    assert result.exit_code == 0, result.output
    [run] = rows(app, ReconcileRun, kind="manual")
    assert lines(result, "page ", "run ") == [
        "page 1: 10 of ~12 order(s) seen, 10 applied",
        "page 2: 12 of ~12 order(s) seen, 12 applied",
        f"run #{run.id} (manual) done: 2 page(s), 12 order(s) seen, 12 applied from reconciliation",
    ]
    assert len(shop_orders(app)) == 12


def test_a_second_run_finds_nothing_new(app, client, shopify_orders):
    install(client)
    shopify_orders.put(order_node(9600, ago(minutes=5)))
    assert reconcile(app, "--shop", SHOP, "--since", stamp(ago(hours=1))).exit_code == 0
    result = reconcile(app, "--shop", SHOP, "--since", stamp(ago(hours=1)))
    assert lines(result, "run ")[0].endswith("done: 1 page(s), 1 order(s) seen, 0 applied from reconciliation")


def test_the_backfill_option_imports_sixty_days(app, client, shopify_orders):
    install(client)
    shopify_orders.put(order_node(9700, ago(days=59)))
    shopify_orders.put(order_node(9701, ago(days=61)))
    result = reconcile(app, "--shop", SHOP, "--backfill")
    assert result.exit_code == 0, result.output
    assert "(backfill) done: 1 page(s), 1 order(s) seen, 1 applied" in result.output
    assert sorted(shop_orders(app)) == [9700]


def test_a_failed_run_says_it_will_resume(app, client, shopify_orders):
    install(client)
    shopify_orders.put(order_node(9800, ago(minutes=5)))
    shopify_orders.interruptions[len(shopify_orders.page_requests) + 1] = httpx.Response(500)
    result = reconcile(app, "--shop", SHOP, "--since", stamp(ago(hours=1)))
    assert result.exit_code == 1
    assert "HTTP error 500" in result.output and "resumes run #" in result.output


def test_bad_input_is_refused(app):
    unknown = reconcile(app, "--shop", "nobody.myshopify.com")
    assert unknown.exit_code == 2 and "no shop 'nobody.myshopify.com'" in unknown.output
    vague = reconcile(app, "--shop", SHOP, "--since", "last tuesday")
    assert vague.exit_code == 2 and "must be ISO-8601" in vague.output
