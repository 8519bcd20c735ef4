"""Signing and delivering webhooks the way Shopify does, including its retries."""
from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import requests


def sign(body: bytes, secret: str) -> str:
    """X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the exact bytes sent, keyed by the app secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def encode(payload: dict) -> bytes:
    """Compact UTF-8 JSON with non-ASCII kept raw, as Shopify sends it (so the app must hash bytes)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Webhook:
    """One topic's delivery; retries resend this very object, so body and ids never change."""

    topic: str
    body: bytes
    webhook_id: str
    event_id: str
    triggered_at: str
    resource_id: int | None


@dataclass(frozen=True)
class Attempt:
    webhook: Webhook
    number: int
    at: datetime
    status: int | None
    error: str
    retry_in: float | None


class Deliverer:
    """Posts webhooks to the app from one worker thread, so the page answers at once.

    With `synchronous` the caller's thread delivers (retries included), which keeps tests
    deterministic.
    """

    def __init__(self, url: str, shop: str, secret: str, api_version: str,
                 retry_delays: Sequence[float] = (1, 5, 30), timeout: float = 5.0,
                 synchronous: bool = False) -> None:
        self.url, self.shop, self.secret, self.api_version = url, shop, secret, api_version
        self.retry_delays, self.timeout, self.synchronous = tuple(retry_delays), timeout, synchronous
        self._log: deque[Attempt] = deque(maxlen=200)
        self._due: list[tuple[float, int, Webhook, int]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._worker: threading.Thread | None = None

    def emit(self, topic: str, payload: dict) -> Webhook:
        webhook = Webhook(
            topic=topic, body=encode(payload), webhook_id=str(uuid.uuid4()),
            event_id=str(uuid.uuid4()),
            triggered_at=datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            resource_id=payload.get("id"),
        )
        if self.synchronous:
            number = 1
            while (retry_in := self._attempt(webhook, number)) is not None:
                time.sleep(retry_in)
                number += 1
        else:
            self._schedule(webhook, 1, 0.0)
        return webhook

    def headers(self, webhook: Webhook) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": webhook.topic,
            "X-Shopify-Hmac-Sha256": sign(webhook.body, self.secret),
            "X-Shopify-Shop-Domain": self.shop,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": webhook.webhook_id,
            "X-Shopify-Event-Id": webhook.event_id,
            "X-Shopify-Triggered-At": webhook.triggered_at,
        }

    def attempts(self, limit: int = 50) -> list[Attempt]:
        """Newest first, for the page."""
        with self._wake:
            return list(self._log)[::-1][:limit]

    def _attempt(self, webhook: Webhook, number: int) -> float | None:
        """Post once and log it; return the delay before the next try, or None when done."""
        status, error = None, ""
        try:
            response = requests.post(self.url, data=webhook.body, headers=self.headers(webhook),
                                         timeout=self.timeout, allow_redirects=False)
            status = response.status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        failed = status is None or not 200 <= status < 300
        retry_in = self.retry_delays[number - 1] if failed and number <= len(self.retry_delays) else None
        with self._wake:
            self._log.append(Attempt(webhook, number, datetime.now(UTC), status, error, retry_in))
        return retry_in

    def _schedule(self, webhook: Webhook, number: int, delay: float) -> None:
        with self._wake:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._seq), webhook, number))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)
                self._worker.start()
            self._wake.notify()

    def _run(self) -> None:
        """Deliver in due order; a webhook waiting for its retry never holds up newer ones."""
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, webhook, number = heapq.heappop(self._due)
            retry_in = self._attempt(webhook, number)
            if retry_in is not None:
                self._schedule(webhook, number + 1, retry_in)
