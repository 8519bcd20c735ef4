"""Periodic jobs: (task, every N seconds). RQ's cron scheduler runs them in production;
with inline jobs the web process runs them on a timer thread."""
from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.utils import import_string

log = logging.getLogger(__name__)

PERIODIC: tuple[tuple[str, int], ...] = (
    ("shop_plugin.events.processing:sweep", 60),
    ("shop_plugin.delays.service:scan_job", 900),
    ("shop_plugin.reconcile.service:sweep", 60),
    ("shop_plugin.reconcile.service:schedule_periodic", 3600),
    ("shop_plugin.helpdesk.sla:flag_breaches_job", 300),
    ("shop_plugin.helpdesk.mail_inbox:sweep", 300),
    ("shop_plugin.helpdesk.mail_inbox:purge_raw", 86400),
    ("shop_plugin.events.retention:purge_bodies", 86400),
)


def start_inline_timer(app: Flask) -> threading.Thread:
    """Run the periodic jobs in this process (embedded mode only, no Redis)."""
    def loop() -> None:
        ticks = 0
        while not stop.wait(1):
            ticks += 1
            for path, every in PERIODIC:
                if ticks % every == 0:
                    try:
                        with app.app_context():
                            import_string(path.replace(":", "."))()
                    except Exception:
                        log.exception("periodic job %s failed", path)

    stop = threading.Event()
    thread = threading.Thread(target=loop, name="periodic-jobs", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread


def run_rq_cron(app: Flask) -> None:
    """Production scheduler: RQ's CronScheduler enqueues the periodic jobs for the workers."""
    from rq.cron import CronScheduler

    from shop_plugin.jobs import queue, run_task

    rq_queue = queue().queue
    scheduler = CronScheduler(connection=queue().redis, name=rq_queue.name)
    for path, every in PERIODIC:
        scheduler.register(run_task, rq_queue.name, args=(path,), interval=every, job_timeout=300)
    scheduler.start()
