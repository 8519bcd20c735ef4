"""When each shop's Admin API cost bucket next has room, agreed by every process that calls Shopify.

Shopify keeps one bucket per app and store, and every web and RQ worker process spends from it. So a
throttled answer seen by one worker must hold back all of them. With REDIS_URL set, the hold-offs
live in one Redis sorted set (shop domain → epoch seconds); ZADD GT only ever moves a shop's time
later, so two workers writing at once keep the later one. Without Redis (the embedded default:
one process) a dict does the same. Times are wall-clock seconds, comparable across processes.

A Redis error never stops a call to Shopify: the process falls back to its own dict, and Shopify's
THROTTLED answer remains the final word.
"""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)
FORGET_AFTER = 300  # seconds past a hold-off before its entry is dropped from the shared set


class LocalHoldOffs:
    """This process's view: enough when one process makes every call."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def hold_off(self, domain: str, until: float) -> None:
        with self._lock:
            if until > self._until.get(domain, 0.0):
                self._until[domain] = until

    def until(self, domain: str) -> float:
        return self._until.get(domain, 0.0)


class SharedHoldOffs:
    """One sorted set in Redis for every process of the deployment."""

    def __init__(self, redis, key: str) -> None:
        self.redis, self.key = redis, key
        self.local = LocalHoldOffs()

    def hold_off(self, domain: str, until: float) -> None:
        self.local.hold_off(domain, until)
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.zadd(self.key, {domain: until}, gt=True)
            pipe.zremrangebyscore(self.key, "-inf", time.time() - FORGET_AFTER)
            pipe.execute()
        except Exception:  # noqa: BLE001 - Redis is a courtesy here; Shopify still enforces its bucket
            log.warning("could not share the Admin API hold-off of %s", domain, exc_info=True)

    def until(self, domain: str) -> float:
        try:
            shared = self.redis.zscore(self.key, domain) or 0.0
        except Exception:  # noqa: BLE001 - see hold_off
            log.warning("could not read the shared Admin API hold-off of %s", domain, exc_info=True)
            shared = 0.0
        return max(float(shared), self.local.until(domain))


def for_app(app) -> LocalHoldOffs | SharedHoldOffs:
    """The app's hold-offs, made on first use: shared through the job queue's Redis when there is one."""
    holds = app.extensions.get("shopify_hold_offs")
    if holds is None:
        redis = getattr(app.extensions.get("jobs"), "redis", None)
        key = f"{app.config['RQ_QUEUE']}:shopify-not-before"
        holds = SharedHoldOffs(redis, key) if redis is not None else LocalHoldOffs()
        holds = app.extensions.setdefault("shopify_hold_offs", holds)
    return holds
