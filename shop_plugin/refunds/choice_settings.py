"""The `customer_choice` settings section: off by default; the discount offered; how long links last."""
from __future__ import annotations

from shop_plugin.validation import Errors

DEFAULT_CHOICE = {"enabled": False, "discount_percent": 10, "expires_days": 7}


def rules_of(settings: dict) -> dict:
    return {**DEFAULT_CHOICE, **settings.get("customer_choice", {})}


def check_customer_choice(errors: Errors, path: str, value) -> None:
    """Validate the section; the caps on refunds are the refund rules' automatic caps."""
    if not errors.check(isinstance(value, dict) and set(value) <= set(DEFAULT_CHOICE), path,
                        "must be {enabled, discount_percent, expires_days}"):
        return
    errors.check(isinstance(value.get("enabled", False), bool), f"{path}.enabled", "must be true or false")
    percent = value.get("discount_percent", DEFAULT_CHOICE["discount_percent"])
    errors.check(type(percent) is int and 1 <= percent <= 90, f"{path}.discount_percent", "must be 1 to 90")
    days = value.get("expires_days", DEFAULT_CHOICE["expires_days"])
    errors.check(type(days) is int and 1 <= days <= 30, f"{path}.expires_days", "must be 1 to 30 days")
