"""The records the simulated store keeps, and the clock and id source they are stamped with."""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

# A fixed non-UTC offset, so that the app meets offsets in timestamps as it does on a real
# store (whose timestamps are in the shop's time zone), without needing tzdata installed.
SHOP_TZ = timezone(timedelta(hours=9), "Asia/Seoul")
SHOP_IANA_TIMEZONE = "Asia/Seoul"
CENT = Decimal("0.01")


class SimulatorError(ValueError):
    """A change the real store would refuse; its message is shown to the developer."""


def now() -> datetime:
    """Whole seconds, as Shopify's REST timestamps have no fraction."""
    return datetime.now(SHOP_TZ).replace(microsecond=0)


def later_than(previous: datetime | None) -> datetime:
    """Now, but strictly after `previous`, so updated_at orders every change even within a second."""
    stamp = now()
    if previous is not None and stamp <= previous:
        stamp = previous + timedelta(seconds=1)
    return stamp


def fmt_money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def parse_amount(raw: str) -> Decimal:
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise SimulatorError(f"Not an amount: {raw!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise SimulatorError("The amount must be greater than zero")
    return amount


class Ids:
    """Ids taken from the wall clock in milliseconds.

    The app keeps its database across simulator restarts, so ids from a counter starting at 1
    would collide with rows it already has. The last id is shared by every store in the process,
    so that two simulators built in the same millisecond (tests) do not collide either.
    """

    _last = 0
    _lock = threading.Lock()

    def next(self) -> int:
        with Ids._lock:
            Ids._last = max(Ids._last + 1, int(time.time() * 1000))
            return Ids._last


@dataclass(frozen=True)
class ShopInfo:
    domain: str
    currency: str = "USD"

    @property
    def id(self) -> int:
        """Derived from the domain so the shop keeps one id across restarts, as a real one does."""
        return int(hashlib.sha256(self.domain.encode()).hexdigest()[:10], 16) % 10**11

    @property
    def handle(self) -> str:
        return self.domain.removesuffix(".myshopify.com")

    @property
    def name(self) -> str:
        return self.handle.replace("-", " ").title()


@dataclass
class Fulfillment:
    id: int
    order_id: int
    name: str
    tracking_company: str
    tracking_number: str
    created_at: datetime
    updated_at: datetime
    status: str = "success"
    shipment_status: str | None = None
    events: list[dict] = field(default_factory=list)


@dataclass
class Order:
    id: int
    number: int
    token: str
    email: str
    first_name: str
    last_name: str
    customer_id: int
    locale: str
    country_code: str
    line_items: list[dict]
    shipping_line_id: int
    shipping_price: Decimal
    created_at: datetime
    updated_at: datetime
    financial_status: str = "pending"
    fulfillment_status: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    payment_id: int | None = None
    fulfillments: list[Fulfillment] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    disputes: list[dict] = field(default_factory=list)

    @property
    def confirmation_number(self) -> str:
        """Shopify's random one the buyer sees on the thank-you page (here from the order's token)."""
        return self.token[:9].upper()

    @property
    def subtotal(self) -> Decimal:
        return sum((Decimal(li["price"]) * li["quantity"] for li in self.line_items), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_price

    @property
    def refunded(self) -> Decimal:
        return sum(
            (Decimal(t["amount"]) for r in self.refunds for t in r["transactions"]), Decimal(0)
        )

    def touch(self) -> None:
        self.updated_at = later_than(self.updated_at)
