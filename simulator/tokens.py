"""Access and refresh tokens the simulated store has issued, with Shopify's lifetimes and rules."""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Grant:
    shop: str
    scope: str
    expires_at: float | None
    used: bool = False


class TokenRegistry:
    """Issues tokens and answers whether one is still good.

    `clock` is replaceable so tests can move past an expiry without sleeping.
    """

    def __init__(self, access_ttl: int = 3600, refresh_ttl: int = 7776000,
                 clock: Callable[[], float] = time.time) -> None:
        self.access_ttl, self.refresh_ttl, self.clock = access_ttl, refresh_ttl, clock
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def issue(self, shop: str, scope: str, *, expiring: bool, online: bool = False) -> dict:
        """The token endpoint's answer; non-expiring offline tokens come without a refresh token."""
        prefix = "shpua_" if online else "shpat_"
        token = prefix + secrets.token_hex(16)
        now = self.clock()
        with self._lock:
            if online:
                self._access[token] = _Grant(shop, scope, now + 86399)
                return {"access_token": token, "scope": scope, "expires_in": 86399,
                        "associated_user_scope": scope, "associated_user": _dev_user(shop)}
            if not expiring:
                self._access[token] = _Grant(shop, scope, None)
                return {"access_token": token, "scope": scope}
            refresh = "shprt_" + secrets.token_hex(16)
            self._access[token] = _Grant(shop, scope, now + self.access_ttl)
            self._refresh[refresh] = _Grant(shop, scope, now + self.refresh_ttl)
        return {"access_token": token, "scope": scope, "expires_in": self.access_ttl,
                "refresh_token": refresh, "refresh_token_expires_in": self.refresh_ttl}

    def refresh(self, shop: str, refresh_token: str) -> dict | None:
        """A new token pair, or None when the refresh token is unknown, spent, expired or another shop's.

        Each refresh token works once, as on Shopify: two workers racing to refresh must not both win.
        """
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.used or grant.shop != shop or self._expired(grant):
                return None
            grant.used = True
        return self.issue(shop, grant.scope, expiring=True)

    def shop_for(self, access_token: str) -> str | None:
        """The shop a live access token belongs to, or None if it is unknown or expired."""
        with self._lock:
            grant = self._access.get(access_token)
            return None if grant is None or self._expired(grant) else grant.shop

    def _expired(self, grant: _Grant) -> bool:
        return grant.expires_at is not None and grant.expires_at <= self.clock()


def _dev_user(shop: str) -> dict:
    return {"id": 1, "first_name": "Dev", "last_name": "Owner", "email": f"owner@{shop}",
            "account_owner": True, "locale": "en", "collaborator": False, "email_verified": True}
