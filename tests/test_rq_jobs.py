"""With REDIS_URL set, processing runs on real RQ workers; a Redis outage only delays it."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from shop_plugin.db import utcnow
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from tests.support import fixture, signed_webhook

pytestmark = pytest.mark.services
ORDER = fixture("orders_create.rest_fixture.json")


def statuses(app) -> list[str]:
    with app.app_context():
        return list(session().scalars(select(WebhookEvent.status).order_by(WebhookEvent.id)))


def queued_ids(app) -> int:
    """Row ids in the RQ queue: a batched job (run_many) carries several."""
    return sum(len(job.args) - 1 for job in app.extensions["jobs"].queue.jobs)


def queued(app, expected: int, timeout: float = 5.0) -> int:
    """Row ids in the RQ queue once the receiver's flusher thread has sent them."""
    deadline = time.monotonic() + timeout
    while (count := queued_ids(app)) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return count


def run_worker(app) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output


def test_webhooks_are_processed_by_an_rq_worker(make_app, redis_env):
    app = make_app(env=redis_env)
    client = app.test_client()
    for n in range(3):
        assert signed_webhook(client, "orders/create", dict(ORDER, id=n + 1)).status_code == 200
    assert statuses(app) == ["received"] * 3
    assert queued(app, 3) == 3  # enqueued by the flusher thread, off the request path
    run_worker(app)
    assert statuses(app) == ["processed"] * 3
    assert app.test_client().get("/healthz").json["queue"] == "ok"


def test_buffered_events_are_sent_as_few_jobs_and_all_processed(make_app, redis_env):
    from shop_plugin import jobs
    from shop_plugin.events import processing

    app = make_app(env=redis_env)
    client = app.test_client()
    for n in range(25):
        assert signed_webhook(client, "orders/create", dict(ORDER, id=n + 1)).status_code == 200
    assert queued(app, 25) == 25
    with app.app_context():
        queue = jobs.queue()
        for event_id in (1, 2, 3):  # buffered together, as under load: one job for all three
            jobs.enqueue_soon(processing.process_event, event_id)
        assert queued(app, 28) == 28
    assert any(job.func_name.endswith("run_many") and len(job.args) >= 4 for job in queue.queue.jobs)
    run_worker(app)
    assert statuses(app) == ["processed"] * 25


def test_the_flusher_waits_for_deliveries_arriving_one_by_one_to_share_a_job(make_app, redis_env, monkeypatch):
    from shop_plugin import jobs
    from shop_plugin.events import processing

    app = make_app(env=redis_env)
    with app.app_context():
        queue = jobs.queue()
        arrivals = iter(range(2, 8))
        lingered = []

        def linger(seconds: float) -> None:  # six more deliveries arrive while the flusher lingers
            lingered.append(seconds)
            for event_id in arrivals:
                queue.buffer.put((jobs.task_path(processing.process_event), (event_id,), jobs.NORMAL))

        monkeypatch.setattr(jobs.time, "sleep", linger)
        queue.buffer.put((jobs.task_path(processing.process_event), (1,), jobs.NORMAL))
        assert queue.flush(block=True) == 7
    assert lingered == [jobs.RQQueue.LINGER]
    assert [sorted(job.args[1:]) for job in queue.queue.jobs] == [[1, 2, 3, 4, 5, 6, 7]]


def test_a_stopping_process_sends_what_its_flusher_holds(make_app, redis_env):
    """gunicorn's worker_exit and `flask worker` close the queue: the batch the flusher is lingering
    over and everything still buffered reach Redis before the process ends."""
    import runpy
    from pathlib import Path

    from shop_plugin import jobs
    from shop_plugin.events import processing

    app = make_app(env=redis_env)
    with app.app_context():
        for event_id in range(1, 31):
            jobs.enqueue_soon(processing.process_event, event_id)
    worker_exit = runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py"))["worker_exit"]
    worker_exit(None, type("Worker", (), {"wsgi": app})())
    assert sorted(i for job in app.extensions["jobs"].queue.jobs for i in job.args[1:]) == list(range(1, 31))
    assert not app.extensions["jobs"].flusher.is_alive()


def test_a_job_handed_over_after_the_queue_closed_is_sent_not_buffered_for_nobody(make_app, redis_env):
    from shop_plugin import jobs
    from shop_plugin.events import processing

    app = make_app(env=redis_env)
    queue = app.extensions["jobs"]
    queue.close()
    with app.app_context():
        jobs.enqueue_soon(processing.process_event, 7)
    assert [job.args[1:] for job in queue.queue.jobs] == [(7,)]
    assert queue.buffer.empty()


def test_one_failing_event_in_a_batched_job_fails_alone_and_the_others_are_applied(make_app, redis_env, monkeypatch):
    """The order events of a job are applied in one transaction; when it fails, each is applied on
    its own, so only the bad one fails (recorded, retried later) and the others are processed."""
    from shop_plugin import jobs
    from shop_plugin.delays import service as delays

    app = make_app(env=redis_env)
    client = app.test_client()
    for n in range(3):
        signed_webhook(client, "orders/create", dict(ORDER, id=n + 1))
    queued(app, 3)
    real = delays.check_orders
    monkeypatch.setattr(jobs, "_worker_app", app)

    def flaky(s, orders, **kw):
        if any(order_id == 2 for _, order_id in orders):
            raise RuntimeError("boom")
        return real(s, orders, **kw)

    monkeypatch.setattr(delays, "check_orders", flaky)
    with app.app_context():
        jobs.run_many("shop_plugin.events.processing:process_event", 1, 2, 3)
    assert statuses(app) == ["processed", "failed", "processed"]
    with app.app_context():
        assert session().get(WebhookEvent, 2).error == "RuntimeError: boom"
        assert [e.attempts for e in session().scalars(select(WebhookEvent).order_by(WebhookEvent.id))] == [1, 1, 1]


def test_order_events_of_a_batched_job_are_applied_in_one_transaction(make_app, redis_env, monkeypatch):
    from shop_plugin.events import processing

    app = make_app(env=redis_env)
    client = app.test_client()
    for n in range(4):
        signed_webhook(client, "orders/create", dict(ORDER, id=n + 1))
    signed_webhook(client, "orders/updated", dict(ORDER, id=1, updated_at="2030-01-01T00:00:00Z"))  # same order
    signed_webhook(client, "fulfillments/create", fixture("fulfillments_create.rest_fixture.json"))
    queued(app, 6)
    commits = []
    with app.app_context():
        from sqlalchemy import event

        engine = session().get_bind()
        listener = lambda conn: commits.append(1)  # noqa: E731
        event.listen(engine, "commit", listener)
        try:
            processing.process_events(1, 2, 3, 4, 5, 6)
        finally:
            event.remove(engine, "commit", listener)
    assert statuses(app) == ["processed"] * 6
    # the claim, the four new orders together, then the second event of order 1 and the fulfilment alone
    assert len(commits) == 4


def test_a_batch_past_its_time_budget_queues_the_rest_again_instead_of_meeting_rqs_timeout(make_app, redis_env,
                                                                                           monkeypatch):
    from shop_plugin import jobs
    from shop_plugin.effects.models import Effect

    app = make_app(env=redis_env)
    processed_in_one_job(app, monkeypatch, orders=4)
    with app.app_context():
        effect_ids = sorted(session().scalars(select(Effect.id)))
    app.extensions["jobs"].low_queue.empty()
    monkeypatch.setattr(jobs, "BATCH_BUDGET", 0.0)  # the first task uses up the budget
    jobs.run_many("shop_plugin.effects.service:run", *effect_ids)
    with app.app_context():
        attempts = list(session().scalars(select(Effect.attempts).order_by(Effect.id)))
    assert attempts == [1, 0, 0, 0]
    again = [job for job in app.extensions["jobs"].queue.jobs if job.args[0].endswith("service:run")]
    assert sorted(arg for job in again for arg in job.args[1:]) == effect_ids[1:]


def processed_in_one_job(app, monkeypatch, orders: int) -> None:
    """`orders` new orders delivered, their events taken off the queue and run as one batched job."""
    from shop_plugin import jobs

    client = app.test_client()
    for n in range(orders):
        signed_webhook(client, "orders/create", dict(ORDER, id=n + 1))
    assert queued(app, orders) == orders
    app.extensions["jobs"].queue.empty()
    monkeypatch.setattr(jobs, "_worker_app", app)
    jobs.run_many("shop_plugin.events.processing:process_event", *range(1, orders + 1))


def test_effects_a_batched_job_schedules_are_sent_as_one_job_when_it_ends(make_app, redis_env, monkeypatch):
    from shop_plugin.effects.models import Effect

    app = make_app(env=redis_env)
    processed_in_one_job(app, monkeypatch, orders=5)
    assert statuses(app) == ["processed"] * 5
    with app.app_context():
        effect_ids = sorted(session().scalars(select(Effect.id).where(Effect.kind == "promise_metafields")))
    assert len(effect_ids) == 5  # each new order's metafields write
    queued_jobs = app.extensions["jobs"].low_queue.jobs
    assert [(job.func_name.rsplit(".", 1)[-1], sorted(job.args[1:])) for job in queued_jobs] == \
        [("run_many", effect_ids)]  # not one RQ job per effect, and none sent before the batch ended


def test_a_worker_runs_metafield_writes_only_when_no_webhook_event_waits(make_app, redis_env, monkeypatch):
    """In a burst of orders, the copy of each order and its delay check come first; the metafields
    write each new order schedules (a low-priority job) waits until no event job is left."""
    from shop_plugin import jobs

    app = make_app(env=redis_env)
    client = app.test_client()
    processed_in_one_job(app, monkeypatch, orders=3)  # their metafields writes: queued first
    assert len(app.extensions["jobs"].low_queue.jobs) == 1
    for n in range(3, 6):
        signed_webhook(client, "orders/create", dict(ORDER, id=n + 1))
    assert queued(app, 3) == 3  # the later orders' events, queued after the writes
    ran, real = [], jobs.run_task

    def recording(path: str, *args):
        ran.append(path.rsplit(":", 1)[-1])
        return real(path, *args)

    monkeypatch.setattr(jobs, "run_task", recording)
    run_worker(app)
    assert statuses(app) == ["processed"] * 6
    assert ran[-6:] == ["run"] * 6 and set(ran[:-6]) == {"process_events"}


def test_the_effect_sweep_queues_each_effect_at_its_kinds_priority(make_app, redis_env):
    from shop_plugin.effects import service as effects
    from shop_plugin.effects.models import Effect

    app = make_app(env=redis_env)
    with app.app_context():
        s = session()
        shop = new_shop(s, "sweep-shop.myshopify.com")
        s.add_all([due_effect(shop, kind, "1") for kind in ("promise_metafields", "ticket_ack")])
        s.commit()
        ids = dict(s.execute(select(Effect.kind, Effect.id)).all())
        assert effects.sweep() == 2
    rq = app.extensions["jobs"]
    assert [job.args[1:] for job in rq.queue.jobs] == [(ids["ticket_ack"],)]
    assert [job.args[1:] for job in rq.low_queue.jobs] == [(ids["promise_metafields"],)]


def test_redis_down_still_answers_200_and_the_sweeper_catches_up(make_app, redis_env):
    down = make_app(env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert signed_webhook(down.test_client(), "orders/create", ORDER, webhook_id="during-outage").status_code == 200
    assert statuses(down) == ["received"]
    up = make_app(env=redis_env)
    with up.app_context():
        session().execute(update(WebhookEvent).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session().commit()
    assert "enqueued 1" in up.test_cli_runner().invoke(args=["events", "sweep"]).output
    run_worker(up)
    assert statuses(up) == ["processed"]


def test_a_job_enqueued_twice_has_one_effect(make_app, redis_env):
    app = make_app(env=redis_env)
    signed_webhook(app.test_client(), "orders/create", ORDER)
    with app.app_context():
        event_id = session().scalar(select(WebhookEvent.id))
        session().execute(update(WebhookEvent).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session().commit()
    assert queued(app, 1) == 1
    app.test_cli_runner().invoke(args=["events", "sweep"])
    assert queued(app, 2) == 2
    run_worker(app)
    with app.app_context():
        event = session().get(WebhookEvent, event_id)
        assert (event.status, event.attempts) == ("processed", 1)


def test_a_lost_batch_of_enqueues_is_recovered_by_the_sweeper(make_app, redis_env):
    """The flusher cannot reach Redis: rows stay durable and `received`; the sweeper enqueues them."""
    down = make_app(env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert signed_webhook(down.test_client(), "orders/create", ORDER).status_code == 200
    assert down.extensions["jobs"].flush(block=False) in (0, 1)
    up = make_app(env=redis_env)
    with up.app_context():
        session().execute(update(WebhookEvent).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session().commit()
    up.test_cli_runner().invoke(args=["events", "sweep"])
    run_worker(up)
    assert statuses(up) == ["processed"]


def test_waiting_low_priority_writes_never_crowd_a_retry_out_of_the_effect_sweep(make_app, redis_env):
    from shop_plugin.effects import service as effects
    from shop_plugin.effects.models import Effect

    app = make_app(env=redis_env)
    with app.app_context():
        s = session()
        shop = new_shop(s, "sweep-shop.myshopify.com")
        # metafields writes still waiting in the low-priority queue, long due; an email's retry due now
        s.add_all([due_effect(shop, "promise_metafields", str(n), ago=timedelta(minutes=10)) for n in range(3)])
        s.add(due_effect(shop, "promise_email", "9", status="failed", attempts=1))
        s.commit()
        email = s.scalar(select(Effect.id).where(Effect.kind == "promise_email"))
        assert effects.sweep(limit=3) == 4
    rq = app.extensions["jobs"]
    assert [i for job in rq.queue.jobs for i in job.args[1:]] == [email]
    assert sorted(i for job in rq.low_queue.jobs for i in job.args[1:]) == [1, 2, 3]


def test_a_new_low_priority_effect_waits_longer_for_its_job_before_the_sweeper_queues_it_again(app):
    from shop_plugin.effects import service as effects
    from shop_plugin.effects.models import Effect

    with app.app_context():
        s = session()
        shop = new_shop(s, "grace-shop.myshopify.com")
        for kind in ("promise_metafields", "ticket_ack"):
            effects.schedule(s, shop=shop, kind=kind, key="1", payload={})
        waits = {e.kind: (e.next_attempt_at - e.created_at).total_seconds() for e in s.scalars(select(Effect))}
        s.rollback()
    assert waits["ticket_ack"] <= 61 and waits["promise_metafields"] >= 15 * 60 - 1


def new_shop(s, domain: str):
    from shop_plugin.shops.models import Shop

    shop = Shop(domain=domain, installed_at=utcnow())
    s.add(shop)
    s.flush()
    return shop


def due_effect(shop, kind: str, key: str, status: str = "pending", attempts: int = 0, ago=timedelta(seconds=1)):
    from shop_plugin.effects.models import Effect

    due = utcnow() - ago
    return Effect(shop_id=shop.id, kind=kind, key=key, payload={}, status=status, attempts=attempts,
                  created_at=due, next_attempt_at=due)


def _due_events(app, count: int) -> None:
    from shop_plugin.events.models import RECEIVED

    now = utcnow()
    with app.app_context():
        session().execute(WebhookEvent.__table__.insert(), [
            {"shop_domain": "backlog.myshopify.com", "webhook_id": f"backlog-{n}", "topic": "orders/create",
             "headers": {}, "body": b"{}", "source": "webhook", "status": RECEIVED, "attempts": 0,
             "received_at": now, "next_attempt_at": now - timedelta(seconds=1)} for n in range(count)])
        session().commit()


def test_after_redis_comes_back_empty_one_sweep_queues_the_whole_backlog(make_app, redis_env):
    """Redis lost its jobs (it keeps nothing on disk here): the queue is empty, so every due row is
    queued by the next sweep, not 500 a minute."""
    from shop_plugin.events import processing

    app = make_app(env=redis_env)
    _due_events(app, 1203)
    with app.app_context():
        assert processing.sweep(limit=500) == 1203
    assert queued_ids(app) == 1203


def test_while_workers_are_behind_a_sweep_queues_one_page(make_app, redis_env):
    from shop_plugin import jobs
    from shop_plugin.events import processing

    app = make_app(env=redis_env)
    _due_events(app, 1203)
    with app.app_context():
        jobs.queue().enqueue_each(jobs.task_path(processing.process_event), [1])  # a job still waiting
        assert processing.sweep(limit=500) == 500
    assert queued_ids(app) == 501
