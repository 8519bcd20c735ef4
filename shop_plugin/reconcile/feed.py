"""Feed reconciled orders through the webhook pipeline: stored as events with source 'reconcile',
then applied by the same processing and handlers a delivery from Shopify goes through.

Only orders missing here, or newer at Shopify than here, are fed. The event's webhook id is
the order's id and version, so the same version found twice (a retried page, two runs) is one
event, and the handlers' own idempotency keeps every effect (promise, tickets, notices) single.
"""
from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore, iso, one_of, parse_time, utcnow
from shop_plugin.events import processing
from shop_plugin.events.models import PROCESSED, RECEIVED, WebhookEvent
from shop_plugin.orders.models import Order
from shop_plugin.shops.models import Shop

SOURCE = "reconcile"


def stale(s: Session, *, shop: Shop, payloads: list[dict]) -> list[tuple[dict, bool]]:
    """The payloads to apply, each with whether we hold the order at all (newest wins, as in upserts)."""
    if not payloads:
        return []
    held = dict(s.execute(select(Order.shopify_id, Order.updated_at).where(
        Order.shop_id == shop.id, one_of(s, Order.shopify_id, [p["id"] for p in payloads]))).all())
    wanted = []
    for payload in payloads:
        remote = parse_time(payload.get("updated_at"))
        if payload["id"] not in held:
            wanted.append((payload, False))
        elif remote is not None and (held[payload["id"]] is None or held[payload["id"]] < remote):
            wanted.append((payload, True))
    return wanted


def webhook_id(payload: dict) -> str:
    return f"{SOURCE}:{payload['id']}:{iso(parse_time(payload.get('updated_at'))) or 'unversioned'}"


def store(s: Session, *, shop: Shop, payloads: list[dict]) -> list[int]:
    """Store an event per stale order (in the caller's transaction); ids of those still to process."""
    now = utcnow()
    keys = []
    for payload, held in stale(s, shop=shop, payloads=payloads):
        keys.append(webhook_id(payload))
        insert_ignore(s, WebhookEvent.__table__, {
            "shop_domain": shop.domain, "webhook_id": keys[-1], "event_id": None,
            "topic": "orders/updated" if held else "orders/create",
            "api_version": current_app.config["SHOPIFY_API_VERSION"],
            "triggered_at": parse_time(payload.get("updated_at")), "headers": {},
            "body": json.dumps(payload).encode(), "source": SOURCE, "status": RECEIVED, "attempts": 0,
            "received_at": now,
            "next_attempt_at": now + timedelta(seconds=current_app.config["SWEEP_GRACE_SECONDS"]),
        }, ["shop_domain", "webhook_id"])
    if not keys:
        return []
    return list(s.scalars(select(WebhookEvent.id).where(
        WebhookEvent.shop_domain == shop.domain, WebhookEvent.webhook_id.in_(keys), WebhookEvent.status == RECEIVED,
    ).order_by(WebhookEvent.id)))


def apply(event_ids: list[int]) -> int:
    """Process the stored events now (each commits on its own); how many were applied."""
    return sum(processing.process_event(event_id) == PROCESSED for event_id in event_ids)


def applied_total(s: Session, *, shop: Shop) -> int:
    """Orders this shop got from reconciliation rather than from a webhook, over all runs."""
    return s.scalar(select(func.count()).select_from(WebhookEvent).where(
        WebhookEvent.shop_domain == shop.domain, WebhookEvent.source == SOURCE,
        WebhookEvent.status == PROCESSED)) or 0
