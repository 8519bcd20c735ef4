"""Signed links of a late-order choice: shop, offer, nonce, option and expiry, tamper-evident.

The signature proves we made the link; the nonce ties it to the one offer row; the row decides
whether it is still open (not chosen, not expired), so a link works once whatever its signature says.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from shop_plugin.refunds.models import CHOICES, CustomerChoice

SALT = "customer-choice"


@dataclass(frozen=True)
class Link:
    shop_id: int
    choice_id: int
    nonce: str
    option: str
    expires_at: datetime


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token(choice: CustomerChoice, option: str) -> str:
    return _serializer().dumps({"s": choice.shop_id, "c": choice.id, "n": choice.nonce, "o": option,
                                "x": int(choice.expires_at.timestamp())})


def url(choice: CustomerChoice, option: str) -> str:
    return f"{current_app.config['SHOPIFY_APP_URL']}/choice/{token(choice, option)}"


def read(value: str) -> Link | None:
    """The link's contents if we signed it and its fields have the right shape, else None."""
    try:
        data = _serializer().loads(value)
    except BadSignature:
        return None
    if not (isinstance(data, dict) and type(data.get("s")) is int and type(data.get("c")) is int
            and isinstance(data.get("n"), str) and data.get("o") in CHOICES and type(data.get("x")) is int):
        return None
    return Link(data["s"], data["c"], data["n"], data["o"], datetime.fromtimestamp(data["x"], UTC))
