"""POST /webhooks: verify, store raw, dedupe, enqueue, answer."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from tests.support import OLD_SECRET, SHOP, fixture, post_chunked, signed_webhook, webhook_headers

ORDER = fixture("orders_create.rest_fixture.json")


def stored(app) -> list[WebhookEvent]:
    with app.app_context():
        return list(session().scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def test_it_stores_and_processes_a_signed_webhook(app, client):
    response = signed_webhook(client, "orders/create", ORDER, webhook_id="wh-1")
    assert response.status_code == 200
    [event] = stored(app)
    assert (event.shop_domain, event.webhook_id, event.topic) == (SHOP, "wh-1", "orders/create")
    assert event.api_version == "2026-10" and event.triggered_at is not None
    assert json.loads(event.body) == ORDER
    assert event.status == "processed" and event.attempts == 1


def test_it_keeps_the_raw_body_byte_for_byte(app, client):
    body = b'{"id": 1,   "name": "#1\\u00e9", "updated_at": null}'
    assert signed_webhook(client, "orders/updated", body).status_code == 200
    assert stored(app)[0].body == body


def test_it_rejects_a_bad_signature_and_stores_nothing(app, client):
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/create", body, secret="not-the-secret")
    assert client.post("/webhooks", data=body, headers=headers).status_code == 401
    assert stored(app) == []


def test_it_rejects_a_missing_signature_and_stores_nothing(app, client):
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/create", body)
    del headers["X-Shopify-Hmac-Sha256"]
    assert client.post("/webhooks", data=body, headers=headers).status_code in (400, 401)
    assert stored(app) == []


def test_a_body_that_is_not_utf8_is_refused_as_unverifiable_and_stores_nothing(app, client):
    raw = b'{"id": 1, "note": "\xff"}'
    headers = webhook_headers("orders/create", raw)  # signed over the very bytes sent
    assert client.post("/webhooks", data=raw, headers=headers).status_code == 401
    # the bytes a replacement character stands for cannot pass for the text that was signed
    signed_text = '{"id": 1, "note": "\ufffd"}'.encode()
    headers = webhook_headers("orders/create", signed_text)
    assert client.post("/webhooks", data=raw, headers=headers).status_code == 401
    assert stored(app) == []


def test_a_delivery_with_the_unprefixed_shopify_header_names_is_stored(app, client):
    body = json.dumps(ORDER).encode()
    headers = {("Shopify-" + k.removeprefix("X-Shopify-")) if k.startswith("X-Shopify-") else k: v
               for k, v in webhook_headers("orders/create", body, webhook_id="plain-names").items()}
    assert client.post("/webhooks", data=body, headers=headers).status_code == 200
    [event] = stored(app)
    assert (event.shop_domain, event.webhook_id, event.topic, event.api_version) == (
        SHOP, "plain-names", "orders/create", "2026-10")


def test_a_header_with_a_nul_character_is_a_bad_request_on_every_database(app, client):
    body = json.dumps(ORDER).encode()
    for header in ("X-Shopify-Webhook-Id", "X-Shopify-Topic", "X-Shopify-Event-Id"):
        headers = webhook_headers("orders/create", body, **{header: "abc\x00def"})
        assert client.post("/webhooks", data=body, headers=headers).status_code == 400, header
    assert stored(app) == []


def test_it_rejects_a_body_changed_after_signing(app, client):
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/create", body)
    assert client.post("/webhooks", data=body + b" ", headers=headers).status_code == 401
    assert stored(app) == []


def test_it_accepts_the_old_secret_during_rotation(make_app):
    app = make_app(env={"SHOPIFY_API_SECRET_OLD": OLD_SECRET})
    response = signed_webhook(app.test_client(), "orders/create", ORDER, secret=OLD_SECRET)
    assert response.status_code == 200
    assert len(stored(app)) == 1


def test_it_refuses_the_old_secret_once_rotation_is_over(app, client):
    assert signed_webhook(client, "orders/create", ORDER, secret=OLD_SECRET).status_code == 401


def test_compliance_topics_with_a_bad_signature_get_401(app, client):
    body = json.dumps(fixture("customers_redact.json")).encode()
    headers = webhook_headers("customers/redact", body, secret="wrong")
    assert client.post("/webhooks", data=body, headers=headers).status_code == 401


def test_it_answers_400_without_topic_shop_or_webhook_id(app, client):
    body = json.dumps(ORDER).encode()
    for header in ("X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id"):
        headers = webhook_headers("orders/create", body)
        del headers[header]
        response = client.post("/webhooks", data=body, headers=headers)
        assert response.status_code == 400, header
    assert stored(app) == []


def test_it_answers_413_above_5_mib(app, client):
    body = b'{"pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    response = client.post("/webhooks", data=body, headers=webhook_headers("orders/create", body))
    assert response.status_code == 413
    assert stored(app) == []


def test_a_repeated_delivery_is_200_and_has_no_second_effect(app, client):
    for _ in range(3):
        assert signed_webhook(client, "orders/create", ORDER, webhook_id="same").status_code == 200
    [event] = stored(app)
    assert event.attempts == 1


def test_eight_concurrent_copies_store_one_row(app):
    """Eight copies at the same moment through a real threaded HTTP server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/create", body, webhook_id="dup-x8")
    barrier = threading.Barrier(8)

    def deliver(_):
        barrier.wait()
        return requests.post(f"http://127.0.0.1:{server.port}/webhooks", data=body, headers=headers, timeout=30)

    try:
        with ThreadPoolExecutor(8) as pool:
            codes = [r.status_code for r in pool.map(deliver, range(8))]
    finally:
        server.shutdown()
    assert codes == [200] * 8
    [event] = stored(app)
    assert event.status == "processed" and event.attempts == 1


def test_it_answers_5xx_when_the_database_is_unavailable(make_app, tmp_path, database_url):
    """Never 200 without a durable row: Shopify must retry."""
    broken = (f"sqlite:///{tmp_path}/missing-dir/db.sqlite3" if database_url.startswith("sqlite")
              else "postgresql://postgres@127.0.0.1:1/nowhere")
    app = make_app(env={"DATABASE_URL": broken})
    response = signed_webhook(app.test_client(), "orders/create", ORDER)
    assert 500 <= response.status_code < 600


def test_the_retry_after_an_outage_is_processed(make_app, tmp_path, database_url):
    broken = (f"sqlite:///{tmp_path}/missing-dir/db.sqlite3" if database_url.startswith("sqlite")
              else "postgresql://postgres@127.0.0.1:1/nowhere")
    down = make_app(env={"DATABASE_URL": broken})
    assert signed_webhook(down.test_client(), "orders/create", ORDER, webhook_id="retry-me").status_code == 503
    up = make_app()
    assert signed_webhook(up.test_client(), "orders/create", ORDER, webhook_id="retry-me").status_code == 200
    assert [e.status for e in stored(up)] == ["processed"]


def test_it_does_not_parse_json_before_answering(app, client):
    response = signed_webhook(client, "orders/create", b"{not json")
    assert response.status_code == 200
    [event] = stored(app)
    assert event.body == b"{not json"



REJECT_INSERTS = {
    "sqlite": ["CREATE TRIGGER reject_events BEFORE INSERT ON webhook_events "
               "BEGIN SELECT RAISE(ABORT, 'disk full'); END"],
    "postgresql": [
        "CREATE FUNCTION reject_events() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ "
        "LANGUAGE plpgsql",
        # deferred: the failure happens at COMMIT, after the insert itself succeeded
        "CREATE CONSTRAINT TRIGGER reject_events AFTER INSERT ON webhook_events DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION reject_events()",
    ],
}
ALLOW_INSERTS = {
    "sqlite": ["DROP TRIGGER reject_events"],
    "postgresql": ["DROP TRIGGER reject_events ON webhook_events", "DROP FUNCTION reject_events()"],
}


def run_sql(app, statements) -> None:
    with app.extensions["database"].engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)


def test_a_failed_commit_is_answered_5xx_and_the_retry_is_processed(app, client):
    dialect = app.extensions["database"].engine.dialect.name
    run_sql(app, REJECT_INSERTS[dialect])
    try:
        response = signed_webhook(client, "orders/create", ORDER, webhook_id="commit-fails")
        assert 500 <= response.status_code < 600
        assert stored(app) == []
    finally:
        run_sql(app, ALLOW_INSERTS[dialect])
    assert signed_webhook(client, "orders/create", ORDER, webhook_id="commit-fails").status_code == 200
    assert [e.status for e in stored(app)] == ["processed"]


def test_other_methods_on_the_webhook_path_get_405_and_store_nothing(app, client):
    for method in ("GET", "PUT", "DELETE"):
        response = client.open("/webhooks", method=method)
        assert response.status_code == 405, method
        assert response.headers["Allow"] == "POST"
    assert stored(app) == []


def test_a_body_cut_short_is_a_bad_request_and_stores_nothing(app):
    """Content-Length promises more than arrives (the sender hung up): werkzeug's 400, no row."""
    body = json.dumps(ORDER).encode()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        import socket
        head = "".join(f"{k}: {v}\r\n" for k, v in webhook_headers("orders/create", body).items())
        with socket.create_connection(server.server_address, timeout=5) as sock:
            sock.sendall(f"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode()
                         + body[:100])
            sock.shutdown(socket.SHUT_WR)
            answer = sock.recv(1024)
    finally:
        server.shutdown()
    assert answer.startswith(b"HTTP/1.1 4") or answer.startswith(b"HTTP/1.0 4")
    assert stored(app) == []


def test_an_unexpected_error_answers_500_without_a_traceback_and_logs_it(make_app, monkeypatch, caplog):
    import webhooks.receiver as receiver

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    monkeypatch.setattr(receiver, "_unstorable", lambda headers, domain: 1 / 0)
    response = signed_webhook(app.test_client(), "orders/create", ORDER)
    assert response.status_code == 500 and response.get_json() == {"error": "internal error"}
    assert "ZeroDivisionError" in caplog.text and "Traceback" not in response.get_data(as_text=True)
    assert stored(app) == []


def test_other_paths_are_left_to_the_app(app, client):
    assert client.get("/healthz").status_code == 200
    assert client.post("/webhooks/").status_code == 404


def test_a_webhook_as_the_first_request_starts_the_embedded_periodic_jobs(make_app):
    """Without Redis the web process runs the sweeper; the first request of any kind starts it."""
    def periodic() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "periodic-jobs" and t.is_alive()}

    before = periodic()
    app = make_app(env={"INLINE_JOBS": "thread"})
    assert periodic() == before  # building the app (a CLI command, a migration) starts nothing
    try:
        assert signed_webhook(app.test_client(), "orders/create", ORDER).status_code == 200
        started = periodic() - before
        assert len(started) == 1
        assert signed_webhook(app.test_client(), "orders/create", ORDER).status_code == 200
        assert periodic() - before == started
    finally:
        for thread in periodic() - before:
            thread.stop.set()


def test_a_chunked_body_over_5_mib_is_413_not_cut_at_the_limit_and_refused_as_unsigned(app):
    body = b'{"pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    assert post_chunked(app, "/webhooks", body, webhook_headers("orders/create", body)).startswith("413")
    small = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/create", small, webhook_id="chunked")
    assert post_chunked(app, "/webhooks", small, headers).startswith("200")
    assert [e.webhook_id for e in stored(app)] == ["chunked"]
