"""Pace Admin GraphQL calls by Shopify's cost bucket, read from each answer, never hard-coded.

Shopify reports after every query how full the shop's bucket is (currentlyAvailable of
maximumAvailable, refilling at restoreRate points a second) and what the query asked for
(requestedQueryCost). Before the next page we wait until the bucket holds that cost plus a
reserve, so reconciliation never drains what webhooks' effects (metafields, refunds) need.
"""
from __future__ import annotations

from dataclasses import dataclass

RESERVE_SHARE = 0.2  # of maximumAvailable, left for the app's other calls


@dataclass
class Bucket:
    maximum: float | None = None
    available: float | None = None
    restore_rate: float | None = None
    next_cost: float | None = None
    read_at: float = 0.0

    def observe(self, extensions: dict | None, now: float) -> None:
        """Remember the bucket as the last answer left it (an answer without cost data changes nothing)."""
        cost = (extensions or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        if status.get("currentlyAvailable") is None or not status.get("restoreRate"):
            return
        self.maximum = float(status.get("maximumAvailable") or status["currentlyAvailable"])
        self.available = float(status["currentlyAvailable"])
        self.restore_rate = float(status["restoreRate"])
        if cost.get("requestedQueryCost") is not None:
            self.next_cost = float(cost["requestedQueryCost"])
        self.read_at = now

    def wait_for(self, now: float, cost: float | None = None) -> float:
        """Seconds until the bucket holds `cost` (default: the last query's requested cost) plus the reserve."""
        cost = self.next_cost if cost is None else cost
        if self.available is None or cost is None:
            return 0.0
        refilled = min(self.maximum, self.available + (now - self.read_at) * self.restore_rate)
        wanted = min(self.maximum, cost + RESERVE_SHARE * self.maximum)
        return max(0.0, (wanted - refilled) / self.restore_rate)
