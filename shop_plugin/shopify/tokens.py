"""Offline access tokens: encrypted at rest, exchanged once, refreshed one at a time per shop."""
from __future__ import annotations

import time
from datetime import timedelta

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from shopify_app import TokenExchangeAccessToken, TokenExchangeResult
from sqlalchemy import or_, update

from shop_plugin.db import iso, parse_time, utcnow
from shop_plugin.extensions import session
from shop_plugin.shopify.client import http_client, shop_handle, shopify
from shop_plugin.shops.models import Shop, ShopToken

REFRESH_LOCK = timedelta(seconds=30)
REFRESH_WAIT_SECONDS = 10.0
# Start queueing for the lock a little before shopifyapp's own 60-second refresh window.
REFRESH_MARGIN = timedelta(minutes=5)


def _cipher() -> MultiFernet:
    """The first key encrypts; every listed key decrypts, so keys can be rotated."""
    keys = current_app.config["TOKEN_ENCRYPTION_KEY"].split(",")
    return MultiFernet([Fernet(k.strip().encode()) for k in keys])


def save(*, shop: Shop, token: TokenExchangeAccessToken) -> None:
    """Store (or replace) the shop's offline token, encrypted, and release any refresh lock."""
    cipher = _cipher()
    row = session().get(ShopToken, shop.id) or ShopToken(shop_id=shop.id)
    row.access_token = cipher.encrypt(token.token.encode())
    row.refresh_token = cipher.encrypt(token.refresh_token.encode()) if token.refresh_token else None
    row.scope = token.scope or ""
    row.expires_at = parse_time(token.expires)
    row.refresh_token_expires_at = parse_time(token.refresh_token_expires)
    row.refresh_lock_until = None
    session().add(row)
    session().commit()


def get(*, shop: Shop) -> TokenExchangeAccessToken | None:
    """The decrypted offline token, or None when the shop has none."""
    row = session().get(ShopToken, shop.id, populate_existing=True)
    if row is None:
        return None
    cipher = _cipher()
    return TokenExchangeAccessToken(
        access_mode="offline",
        shop=shop_handle(shop.domain),
        token=cipher.decrypt(row.access_token).decode(),
        scope=row.scope,
        refresh_token=cipher.decrypt(row.refresh_token).decode() if row.refresh_token else None,
        expires=iso(row.expires_at),
        refresh_token_expires=iso(row.refresh_token_expires_at),
        user=None,
    )


def delete(*, shop: Shop) -> None:
    session().query(ShopToken).filter_by(shop_id=shop.id).delete()


def _take_refresh_lock(shop: Shop) -> bool:
    """Compare-and-set: only the caller that moves the lock forward may refresh."""
    now = utcnow()
    result = session().execute(
        update(ShopToken)
        .where(ShopToken.shop_id == shop.id)
        .where(or_(ShopToken.refresh_lock_until.is_(None), ShopToken.refresh_lock_until < now))
        .values(refresh_lock_until=now + REFRESH_LOCK)
    )
    session().commit()
    return result.rowcount == 1


def _release_refresh_lock(shop: Shop) -> None:
    session().execute(update(ShopToken).where(ShopToken.shop_id == shop.id).values(refresh_lock_until=None))
    session().commit()


def fresh(*, shop: Shop) -> tuple[TokenExchangeAccessToken | None, TokenExchangeResult | None]:
    """The shop's token, refreshed first when shopifyapp says it is due.

    Returns (token, None) on success, (None, failed_result) when the refresh failed and
    (None, None) when the shop has no token. Near expiry, callers queue on a per-shop
    compare-and-set lock so one refresh is in flight; shopifyapp decides whether it is due.
    """
    deadline = time.monotonic() + REFRESH_WAIT_SECONDS
    while True:
        token = get(shop=shop)
        if token is None:
            return None, None
        expires = parse_time(token.expires)
        if expires is None or expires > utcnow() + REFRESH_MARGIN:
            return token, None
        if _take_refresh_lock(shop):
            return _refresh_holding_lock(shop)
        if time.monotonic() > deadline:
            return token, None
        time.sleep(0.05)


def _refresh_holding_lock(shop: Shop) -> tuple[TokenExchangeAccessToken | None, TokenExchangeResult | None]:
    token = get(shop=shop)  # reread: the previous holder may have refreshed already
    try:
        result = shopify().refresh_token_exchanged_access_token(token, http_client=http_client())
    except Exception:
        _release_refresh_lock(shop)
        raise
    if not result.ok:
        _release_refresh_lock(shop)
        return None, result
    if result.access_token is None:
        _release_refresh_lock(shop)
        return token, None
    save(shop=shop, token=result.access_token)
    return result.access_token, None
