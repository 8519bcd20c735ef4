"""Operator commands: flask db …, flask events …, flask reconcile, flask worker, flask scheduler."""
from __future__ import annotations

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from shop_plugin import ROOT

db_cli = AppGroup("db", help="Database migrations (Alembic).")
delays_cli = AppGroup("delays", help="Delay detection.")
events_cli = AppGroup("events", help="Inspect and re-run webhook events.")


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    return cfg


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database named by DATABASE_URL up to REVISION."""
    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    command.downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a revision from the models (review it before committing)."""
    command.revision(alembic_config(), message=message, autogenerate=True)


@db_cli.command("current")
def db_current() -> None:
    command.current(alembic_config())


@events_cli.command("list")
@click.option("--status", default=None)
@click.option("--shop", default=None, help="myshopify domain")
@click.option("--limit", default=50)
def events_list(status: str | None, shop: str | None, limit: int) -> None:
    """The latest webhook events, newest first."""
    from shop_plugin.events.models import WebhookEvent
    from shop_plugin.extensions import session

    stmt = select(WebhookEvent).order_by(WebhookEvent.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(WebhookEvent.status == status)
    if shop:
        stmt = stmt.where(WebhookEvent.shop_domain == shop)
    for e in session().scalars(stmt):
        click.echo(f"{e.id}\t{e.status}\t{e.attempts}\t{e.shop_domain}\t{e.topic}\t"
                   f"{e.received_at:%Y-%m-%dT%H:%M:%SZ}\t{e.error or ''}")


@events_cli.command("replay")
@click.argument("event_id", type=int)
def events_replay(event_id: int) -> None:
    """Run one event again now, whatever its status."""
    from shop_plugin.events.processing import replay

    click.echo(f"{event_id}: {replay(event_id) or 'not found or busy'}")


@events_cli.command("sweep")
def events_sweep() -> None:
    """Enqueue every event that is due (what the scheduler does every minute)."""
    from shop_plugin.events.processing import sweep

    click.echo(f"enqueued {sweep()} event(s)")


@delays_cli.command("scan")
@click.option("--now", "now_text", default=None, help="ISO-8601 time to scan as of (default: now)")
def delays_scan(now_text: str | None) -> None:
    """Check every due order once, for all shops."""
    from shop_plugin.db import parse_time
    from shop_plugin.delays.service import scan
    from shop_plugin.extensions import session

    now = parse_time(now_text) if now_text else None
    if now_text and now is None:
        raise click.BadParameter("must be ISO-8601, e.g. 2027-02-20T09:00:00+09:00", param_hint="--now")
    result = scan(session(), now=now)
    click.echo(f"checked {result['checked']} order(s), {result['breaches']} breach(es) hold")


@click.command("reconcile")
@with_appcontext
@click.option("--shop", "domain", required=True, help="myshopify domain, e.g. acme.myshopify.com")
@click.option("--since", "since_text", default=None,
              help="ISO-8601 time; orders updated since then (default: since the last reconciliation)")
@click.option("--backfill", is_flag=True, help="Import the last 60 days (goes on with an unfinished backfill).")
def reconcile(domain: str, since_text: str | None, backfill: bool) -> None:
    """Fetch the shop's orders from Shopify and apply any that webhooks missed, showing progress."""
    from shop_plugin.db import parse_time, utcnow
    from shop_plugin.extensions import session
    from shop_plugin.reconcile import runner, service
    from shop_plugin.reconcile.models import DONE
    from shop_plugin.shops import service as shops

    since = parse_time(since_text) if since_text else None
    if since_text and since is None:
        raise click.BadParameter("must be ISO-8601, e.g. 2026-10-01T00:00:00Z", param_hint="--since")
    shop = shops.get(domain=domain)
    if shop is None:
        raise click.BadParameter(f"no shop {domain!r} has installed the app", param_hint="--shop")
    run_id = service.start_by_operator(session(), shop=shop, since=since, backfill=backfill, now=utcnow())
    if not service.claim(run_id):
        raise click.ClickException(f"run #{run_id} is being worked on by another process; its progress is at "
                                   "GET /api/reconcile/status")
    outcome = runner.advance(run_id, pace=runner.Pace(max_sleep=None, budget=None), on_page=_echo_page)
    run = service.get(session(), run_id=run_id)
    click.echo(f"run #{run.id} ({run.kind}) {outcome}: {run.pages} page(s), {run.orders_seen} order(s) seen, "
               f"{run.orders_applied} applied from reconciliation")
    if outcome == DONE:
        return
    if run.is_finished:
        raise click.ClickException(f"run #{run.id} stopped: {run.error}")
    raise click.ClickException(f"{run.error}; the scheduler resumes run #{run.id} from its cursor")


def _echo_page(run) -> None:
    of = f" of ~{run.total_estimate:,}" if run.total_estimate else ""
    click.echo(f"page {run.pages}: {run.orders_seen:,}{of} order(s) seen, {run.orders_applied:,} applied")


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for this app (needs REDIS_URL)."""
    from rq import SimpleWorker

    from shop_plugin import jobs

    q = jobs.queue()
    if not isinstance(q, jobs.RQQueue):
        raise click.ClickException("REDIS_URL is not set: jobs run inline in the web process")
    jobs.bind_worker_app(current_app._get_current_object())
    # In this order: a low-priority job waits while any other does (jobs.NORMAL, jobs.LOW).
    SimpleWorker([q.queue, q.low_queue], connection=q.redis).work(burst=burst, with_scheduler=False)
    q.close()  # send what the last jobs left with this process's flusher (effects)


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the periodic jobs: RQ's cron scheduler with REDIS_URL, else an in-process timer."""
    from shop_plugin import jobs, schedule

    app = current_app._get_current_object()
    if isinstance(jobs.queue(), jobs.RQQueue):
        schedule.run_rq_cron(app)
    else:
        schedule.start_inline_timer(app).join()


def init_app(app: Flask) -> None:
    for cmd in (db_cli, delays_cli, events_cli, reconcile, worker, scheduler):
        app.cli.add_command(cmd)
