"""Promises for a shop: its settings, previews, and the promise stored on each new order."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from shop_plugin.db import built_once, insert_ignore_many, pairs_param, pairs_value, parse_time, utcnow
from shop_plugin.db import iso as to_iso
from shop_plugin.effects import service as effects
from shop_plugin.promises import product_tags
from shop_plugin.promises import settings as rules
from shop_plugin.promises.calendar import NoBusinessDay
from shop_plugin.promises.models import OrderPromise
from shop_plugin.promises.text import language, policy_blocks, promise_text
from shop_plugin.promises.window import DATES, Item, Window, order_window
from shop_plugin.shops.models import Shop, ShopSettings

log = logging.getLogger(__name__)


def _base(shop: Shop) -> dict:
    """The defaults with the shop's own time zone (shared nested values: read, never mutate)."""
    return {**rules.DEFAULTS, "timezone": shop.timezone or rules.DEFAULTS["timezone"]}


def get_settings(s: Session, *, shop: Shop) -> tuple[dict, int]:
    """The shop's effective settings (saved document over defaults) and their version."""
    unsaved = s.info.setdefault(_UNSAVED, set())  # a saved row stays in the session; a missing one is remembered
    row = None if shop.id in unsaved else s.get(ShopSettings, shop.id)
    if row is None:
        unsaved.add(shop.id)
        return _base(shop), 0
    return rules.overlay(row.document, _base(shop)), row.version


# Shops this transaction found without saved settings (a webhook asks up to three times); forgotten
# when it ends, since another may save them.
_UNSAVED = "promises.unsaved_settings"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_unsaved(s: Session) -> None:
    s.info.pop(_UNSAVED, None)


def settings_for(s: Session, *, shops: list[Shop]) -> dict[int, dict]:
    """Effective settings of many shops in one query (the delay scan's pages)."""
    rows = {r.shop_id: r for r in s.scalars(select(ShopSettings).where(
        ShopSettings.shop_id.in_([shop.id for shop in shops])))}
    return {shop.id: rules.overlay(rows[shop.id].document, _base(shop)) if shop.id in rows else _base(shop)
            for shop in shops}


def save_settings(s: Session, *, shop: Shop, document) -> tuple[dict, dict]:
    """Validate and store the whole document; on any error nothing is saved."""
    settings, errors = rules.validate(document, _base(shop))
    if errors:
        return settings, errors
    row = s.get(ShopSettings, shop.id, with_for_update=True)
    s.info.get(_UNSAVED, set()).discard(shop.id)
    if row is None:
        s.add(ShopSettings(shop_id=shop.id, document=document, version=1, updated_at=utcnow()))
    else:
        row.document, row.version = document, row.version + 1
    s.commit()
    from shop_plugin.promises.storefront import forget

    forget(shop.domain)
    return settings, {}


def describe(window: Window | None, settings: dict, locale: str | None, country: str | None) -> dict:
    """The window with its text and the store's policies; None (rules that leave no business day to
    promise): no dates and no text, the policies all the same."""
    dates = window.as_json() if window else {**dict.fromkeys(DATES), "adjustments": []}
    return {**dates, "text": promise_text(window, settings, locale) if window else "",
            "policies": policy_blocks(settings, locale, country)}


def preview(s: Session, *, shop: Shop, body) -> tuple[dict | None, dict]:
    """What a customer would be promised for an order like `body` (see the API docs)."""
    errors: dict = {}
    if not isinstance(body, dict):
        return None, {"": "request body must be a JSON object"}
    if "settings" in body:
        settings, settings_errors = rules.validate(body["settings"], _base(shop))
        errors.update({f"settings.{k}".rstrip("."): v for k, v in settings_errors.items()})
    else:
        settings, _ = get_settings(s, shop=shop)
    ordered_at = _moment(body.get("ordered_at"))
    if ordered_at is None:
        errors["ordered_at"] = "must be an ISO-8601 date and time with offset, such as 2027-02-03T10:00:00+09:00"
    country = body.get("country")
    if not (isinstance(country, str) and rules.COUNTRY_RE.match(country)):
        errors["country"] = "must be a two-letter ISO country code such as KR"
    for key in ("vendors", "tags"):
        if not (isinstance(body.get(key, []), list) and all(isinstance(v, str) for v in body.get(key, []))):
            errors[key] = "must be a list of strings"
    locale = body.get("locale", "en")
    if not (isinstance(locale, str) and rules.LOCALE_RE.match(locale)):
        errors["locale"] = "must be a locale code such as en, ko or id"
    if errors:
        return None, errors
    items = [Item(vendor=v, tags=tuple(body.get("tags", []))) for v in body.get("vendors") or [None]]
    try:
        window = order_window(settings, ordered_at, country, items)
    except NoBusinessDay as exc:
        return None, {"settings": f"these rules promise no date: {exc}"}
    return describe(window, settings, locale, country), {}


def _moment(value) -> datetime | None:
    """An ISO-8601 date and time with its offset (or Z); None otherwise: without an offset the time
    names no moment, and reading it as UTC would move the order across the cut-off."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def promise_orders(s: Session, orders: list[tuple[Shop, dict, bool]], *, wait_for_tags: bool = False) -> None:
    """Store each order's promise the first time we see the order; never recompute it later,
    because it is what the customer was told. Orders are (shop, payload, new order) of distinct
    (shop, order id); a new order (stored just now for the first time) is not looked for first, and
    the insert keeps any promise already there.

    Supplier rules match line items by vendor and, for a shop with tag rules, by their products'
    tags, read from Shopify (order webhooks carry none: product_tags.py). When they cannot be read,
    `wait_for_tags` raises TagsUnavailable (the delivery is retried later); without it the order is
    promised by vendor alone and that is logged (the delivery's last attempt: never lose the order)."""
    wanted = [(shop, payload, created_at, new) for shop, payload, new in orders
              if (created_at := parse_time(payload.get("created_at"))) is not None]
    promised = _promised(s, [(shop.id, int(payload["id"])) for shop, payload, _, new in wanted if not new])
    wanted = [w for w in wanted if (w[0].id, int(w[1]["id"])) not in promised]
    settings_of = {shop.id: get_settings(s, shop=shop) for shop, _, _, _ in wanted}
    tags = product_tags.for_orders([(shop, payload) for shop, payload, _, _ in wanted
                                    if product_tags.has_tag_rules(settings_of[shop.id][0])], wait=wait_for_tags)
    made = []  # (promise row, payload, whether the customer is emailed it)
    for shop, payload, created_at, _ in wanted:
        order_id = int(payload["id"])
        settings, version = settings_of[shop.id]
        country = (payload.get("shipping_address") or {}).get("country_code")
        locale = payload.get("customer_locale")
        items = [Item(vendor=li.get("vendor"), tags=tags.get((shop.id, product_tags.product_id(li)), ()))
                 for li in payload.get("line_items") or []]
        try:
            window = order_window(settings, created_at, country, items)
        except NoBusinessDay as exc:  # the order is stored all the same, without a promise
            log.warning("no promise for order %s of %s: %s", order_id, shop.domain, exc)
            continue
        made.append(({
            "shop_id": shop.id, "order_shopify_id": order_id,
            "ship_from": window.ship_from, "ship_by": window.ship_by,
            "deliver_from": window.deliver_from, "deliver_to": window.deliver_to,
            "adjustments": list(window.adjustments), "locale": language(locale, settings),
            "text": promise_text(window, settings, locale), "policies": policy_blocks(settings, locale, country),
            "settings_version": version, "computed_at": utcnow(),
        }, payload, bool(settings["email"].get("enabled") and payload.get("email")
                         and not shop.predates_install(created_at))))
    table = OrderPromise.__table__
    inserted = {tuple(r) for r in insert_ignore_many(s, table, [row for row, _, _ in made], _KEY,
                                                     [table.c.shop_id, table.c.order_shopify_id])}
    wanted_effects = []
    for row, payload, email in made:
        shop_id, order_id = row["shop_id"], row["order_shopify_id"]
        if (shop_id, order_id) not in inserted:
            continue
        wanted_effects.append((shop_id, "promise_metafields", str(order_id),
                               {"order_id": order_id, "order_gid": payload.get("admin_graphql_api_id")}))
        if email:
            wanted_effects.append((shop_id, "promise_email", str(order_id), {"order_id": order_id}))
    effects.schedule_many(s, wanted_effects)


_KEY = ["shop_id", "order_shopify_id"]



def _promised(s: Session, keys: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (shop id, order id) have a promise stored."""
    if not keys:
        return set()
    c = OrderPromise.__table__.c
    stmt = built_once(s, "promises.promised", lambda s: pairs_param(
        s, select(c.shop_id, c.order_shopify_id), c.shop_id, c.order_shopify_id))
    return {tuple(r) for r in s.execute(stmt, pairs_value(s, keys))} & set(keys)  # SQLite may over-fetch


def get(s: Session, *, shop: Shop, order_shopify_id: int) -> OrderPromise | None:
    """The promise stored for one order of this shop."""
    return s.scalars(select(OrderPromise).where(
        OrderPromise.shop_id == shop.id, OrderPromise.order_shopify_id == order_shopify_id)).one_or_none()


def promise_json(promise: OrderPromise | None) -> dict | None:
    if promise is None:
        return None
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {"ship_by": iso(promise.ship_by), "ship_from": iso(promise.ship_from),
            "deliver_from": iso(promise.deliver_from), "deliver_to": iso(promise.deliver_to),
            "adjustments": promise.adjustments, "locale": promise.locale, "text": promise.text,
            "policies": promise.policies,
            "computed_at": to_iso(promise.computed_at)}
