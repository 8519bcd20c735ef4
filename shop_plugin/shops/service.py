"""Shops: found or created by domain, installed by App Home, uninstalled by webhook."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update

from shop_plugin.db import insert_ignore, one_of, utcnow
from shop_plugin.delays.models import OrderCheck
from shop_plugin.extensions import session
from shop_plugin.shops.models import Shop, ShopToken


def get(*, domain: str) -> Shop | None:
    """The shop with this myshopify domain, if known."""
    return session().scalars(_BY_DOMAIN, {"domain": domain}).one_or_none()


_BY_DOMAIN = select(Shop).where(Shop.domain == bindparam("domain"))  # every webhook: built once


def get_or_create(*, domain: str) -> Shop:
    """The shop row, created without a token when a webhook names a shop we do not know."""
    shop = get(domain=domain)  # known shops (nearly every call) cost one SELECT
    if shop is None:
        insert_ignore(session(), Shop.__table__, {"domain": domain, "created_at": utcnow()}, ["domain"])
        shop = get(domain=domain)
    return shop


def get_or_create_many(*, domains: set[str]) -> dict[str, Shop]:
    """`get_or_create` for several domains: one SELECT when all are known."""
    found = {shop.domain: shop for shop in session().scalars(select(Shop).where(one_of(session(), Shop.domain,
                                                                                       sorted(domains))))}
    for domain in domains - found.keys():
        found[domain] = get_or_create(domain=domain)
    return found


def mark_installed(*, shop: Shop) -> None:
    """App Home opened with a valid session: the shop has (re)installed the app.

    On (re)install, read the shop's profile (its time zone) from Shopify once, and import the
    last 60 days of orders, both after commit."""
    from shop_plugin.effects import service as effects

    if shop.is_installed:
        return
    shop.installed_at = utcnow()
    shop.uninstalled_at = None
    key = f"install:{shop.installed_at.isoformat()}"
    effects.schedule(session(), shop=shop, kind="shop_profile", key=key, payload={})
    effects.schedule(session(), shop=shop, kind="reconcile_backfill", key=key, payload={})
    session().commit()


def uninstall(*, shop: Shop, triggered_at: datetime | None) -> bool:
    """Shopify revoked our token: forget it and stop per-shop work (jobs check is_installed).

    A late delivery from before the merchant reinstalled must not wipe the new token.
    """
    if shop.installed_at and triggered_at and triggered_at < shop.installed_at:
        return False
    shop.uninstalled_at = utcnow()
    session().query(ShopToken).filter_by(shop_id=shop.id).delete()
    session().execute(update(OrderCheck).where(OrderCheck.shop_id == shop.id).values(next_check_at=None))
    return True


def installed_shops() -> list[Shop]:
    """Shops periodic jobs should work for."""
    return list(session().scalars(
        select(Shop).where(Shop.installed_at.is_not(None), Shop.uninstalled_at.is_(None))
    ))
