"""Page tokens: what lets a plain HTML form in the embedded admin act for the merchant.

A GET page is verified by shopifyapp's App Home flow (the `id_token` App Bridge adds to the
document request). That proof cannot be reused for the forms on the page: App Bridge adds no
session token to a plain form post, and an id_token lives about a minute while a page stays open
far longer. So the verified page issues a page token and every form carries it in a hidden field:

- signed with SECRET_KEY (itsdangerous, its own salt), so it cannot be forged or altered;
- naming the shop, the staff user (the id_token's `sub`) and the page's path, so it acts only for
  that shop and user, and only on the page that rendered it;
- valid for an hour (MAX_AGE) from the GET that issued it;
- never a cookie, so a cross-site form cannot send it: it is the forms' CSRF protection too.

A POST with a missing, altered, expired, other-path or other-shop token changes nothing and is
sent back through shopifyapp's bounce (see pages.bounce), which reloads the page with a fresh
id_token and so a fresh page token. Links never carry a page token: tokens in URLs leak into
history and logs, and links recover through the same bounce.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "shippromise-admin-page"
MAX_AGE = 3600


@dataclass(frozen=True)
class PageClaims:
    shop: str  # the myshopify domain
    user_id: str | None
    path: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(*, shop_domain: str, user_id: str | int | None, path: str) -> str:
    """A token for the forms of the page at `path`, for this shop and staff user."""
    return _serializer().dumps({"shop": shop_domain, "user": None if user_id is None else str(user_id),
                                "path": path})


def read(token: str | None) -> PageClaims | None:
    """The claims of a valid, unexpired token; None for anything else."""
    if not token or len(token) > 1000:
        return None
    try:
        return _claims(_serializer().loads(token, max_age=MAX_AGE))
    except BadSignature:  # also SignatureExpired
        return None


def read_lapsed(token: str | None) -> PageClaims | None:
    """The claims of a token this app signed that is past MAX_AGE: it may not act, but what its form
    held may be kept for its page (admin/drafts.py). None for a valid, altered or foreign token."""
    if not token or len(token) > 1000:
        return None
    try:
        _serializer().loads(token, max_age=MAX_AGE)
        return None  # still valid: not lapsed
    except SignatureExpired:  # raised only once the signature has been checked
        pass
    except BadSignature:
        return None
    try:
        return _claims(_serializer().loads(token))
    except BadSignature:
        return None


def _claims(data) -> PageClaims | None:
    if not isinstance(data, dict) or not isinstance(data.get("shop"), str) or not isinstance(data.get("path"), str):
        return None
    user = data.get("user")
    return PageClaims(shop=data["shop"], user_id=user if isinstance(user, str) else None, path=data["path"])
