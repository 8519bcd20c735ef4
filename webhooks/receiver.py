"""POST /webhooks: verify, store raw, enqueue, answer. Nothing else happens on this path.

Every delivery of every shop comes through here, so the receiver is a WSGI endpoint mounted in
front of Flask's routing (`mount`; shop_plugin/mounted.py says why), without even an app context:
the context's teardown alone cost a measurable share of a delivery. It reads what it needs from the
app it is mounted on (config, verifier, database, queue), reads the body with werkzeug's input
stream (size limit, chunked bodies) and answers with werkzeug's responses: 200 empty once the row
is committed, JSON errors otherwise, 503 when the database could not make it durable.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import cache

from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from shop_plugin import jobs
from shop_plugin.bodies import read_body
from shop_plugin.db import parse_time, utcnow
from shop_plugin.events import processing
from shop_plugin.events.models import RECEIVED, WebhookEvent
from shop_plugin.mounted import Mounted, WSGIApp, json_error, propagates
from shop_plugin.shopify.adapters import shopify_headers, shopify_response, webhook_req
from shop_plugin.shopify.client import shop_domain
from webhooks.driver_insert import DriverInsert
from webhooks.group_commit import GroupCommit

log = logging.getLogger(__name__)
PATH = "/webhooks"
REQUIRED = ("X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id")
# Header → its column. A value longer than its column (or holding a NUL) can never be stored: that is a
# bad request (400), not a temporary failure (503) that Shopify would retry for hours.
STORED = {"X-Shopify-Topic": "topic", "X-Shopify-Shop-Domain": "shop_domain", "X-Shopify-Webhook-Id": "webhook_id",
          "X-Shopify-Event-Id": "event_id", "X-Shopify-API-Version": "api_version"}
# (header, its name as shopify_headers gives it, its column's length)
_LIMITS = tuple((header, header.title(), WebhookEvent.__table__.c[column].type.length)
                for header, column in STORED.items())
COLUMNS = ("shop_domain", "webhook_id", "event_id", "topic", "api_version", "triggered_at", "headers", "body",
           "source", "status", "attempts", "received_at", "next_attempt_at")  # what _store gives every row
STORED_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Content-Length", "0")]  # the 200, empty
PROCESS = jobs.task_path(processing.process_event)


def mount(app: Flask) -> None:
    """Put the receiver in front of the app's routing: requests for PATH come here, the rest go on."""
    Receiver.mount(app)


class Receiver(Mounted):
    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.routes(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return MethodNotAllowed(valid_methods=["POST"])(environ, start_response)
        answer = self._answer(environ)
        if answer is None:  # committed (or committed before): the common answer, built once
            start_response("200 OK", STORED_HEADERS)
            return [b""]
        return answer(environ, start_response)

    def _answer(self, environ: dict) -> WSGIApp | None:
        try:
            return receive(self.app, environ)
        except SQLAlchemyError as exc:  # never acknowledge a delivery we could not make durable
            log.error("webhook not stored: %s", exc)
            return json_error(503, "temporarily unavailable", {"Retry-After": "5"})
        except HTTPException as exc:  # werkzeug's: body over MAX_CONTENT_LENGTH (413), cut short (400)
            return exc
        except Exception:
            if propagates(self.app):
                raise
            log.exception("webhook receiver failed")
            return json_error(500, "internal error")


def receive(app: Flask, environ: dict) -> WSGIApp | None:
    """None once the delivery is committed (now or by an earlier copy); otherwise the answer: an error,
    or shopifyapp's response when verification failed."""
    raw = read_body(environ, app.config["MAX_CONTENT_LENGTH"])  # 413 above it, before anything else
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # the verifier signs text: these bytes could not be checked as sent
        return json_error(401, "the body is not UTF-8 text; its signature cannot be checked")
    result = app.extensions["shopify"].verify_webhook_req(webhook_req(environ, text))
    if not result.ok:
        return shopify_response(result)
    headers = shopify_headers(environ)
    missing = [h for h in REQUIRED if not headers.get(h)]
    domain = shop_domain(result.shop)
    if missing or not domain:
        return json_error(400, f"missing or invalid header(s): {', '.join(missing or ['X-Shopify-Shop-Domain'])}")
    too_long = _unstorable(headers, domain)
    if too_long:
        return json_error(400, f"header(s) too long or holding a NUL character: {', '.join(too_long)}")
    event_id = _store(app, headers, domain, raw)
    if event_id is not None:
        _enqueue(app, event_id)
    return None


def _unstorable(headers: dict[str, str], domain: str) -> list[str]:
    """The stored headers no column can hold: longer than it, or with a NUL (PostgreSQL text refuses it)."""
    values = {**headers, "X-Shopify-Shop-Domain": domain}
    return [header for header, key, length in _LIMITS
            if len(values.get(key, "")) > length or "\x00" in values.get(key, "")]


def _store(app: Flask, headers: dict[str, str], domain: str, raw: bytes) -> int | None:
    """Commit the delivery (with others arriving at the same time: webhooks/group_commit.py); None when
    this webhook id was already stored (a retry)."""
    now = utcnow()
    row = {
        "shop_domain": domain,
        "webhook_id": headers["X-Shopify-Webhook-Id"],
        "event_id": headers.get("X-Shopify-Event-Id"),
        "topic": headers["X-Shopify-Topic"],
        "api_version": headers.get("X-Shopify-Api-Version"),
        "triggered_at": parse_time(headers.get("X-Shopify-Triggered-At")),
        "headers": headers,
        "body": raw,
        "source": "webhook",
        "status": RECEIVED,
        "attempts": 0,
        "received_at": now,
        "next_attempt_at": now + timedelta(seconds=app.config["SWEEP_GRACE_SECONDS"]),
    }
    return _writer(app).store(row)


def _writer(app: Flask) -> GroupCommit:
    """The app's group committer (one per process and app): concurrent deliveries share a commit."""
    writer = app.extensions.get("webhook_writer")
    if writer is None:
        writer = app.extensions.setdefault("webhook_writer", GroupCommit(row_insert(app.extensions["database"].engine)))
    return writer


def row_insert(engine: Engine) -> DriverInsert:
    return DriverInsert(engine, _insert_statement(engine.dialect.name), COLUMNS)


def close_writer(app: Flask) -> None:
    """Give back the connection the group committer holds (worker exit, tests)."""
    writer = app.extensions.get("webhook_writer")
    if writer is not None:
        writer.close()


@cache
def _insert_statement(dialect: str):
    """Built once per dialect: INSERT … ON CONFLICT (shop, webhook id) DO NOTHING RETURNING the key and id."""
    table = WebhookEvent.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=["shop_domain", "webhook_id"]).returning(
        table.c.id, table.c.shop_domain, table.c.webhook_id)


def _enqueue(app: Flask, event_id: int) -> None:
    try:
        app.extensions["jobs"].enqueue_soon(PROCESS, event_id)
    except Exception:
        log.exception("could not enqueue webhook event %s; the sweeper will", event_id)
