"""GET /healthz reports the database and the queue."""
from __future__ import annotations


def test_health_is_ok_with_inline_jobs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "queue": "inline"}


def test_health_is_503_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app(env={"DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"


def test_health_reports_a_queue_that_is_down_without_failing(make_app):
    app = make_app(env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "queue": "unavailable"}
