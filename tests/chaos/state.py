"""Reading and nudging the durable state the failure tests judge: events, effects, leases, tokens."""
from __future__ import annotations

from datetime import timedelta

from shopify_app import TokenExchangeAccessToken
from sqlalchemy import func, select, update

from shop_plugin.db import utcnow
from shop_plugin.effects.models import Effect
from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.orders.models import Order
from shop_plugin.shopify import tokens
from shop_plugin.shops import service as shops
from shop_plugin.shops.models import Shop


def install_token(app, domain: str) -> None:
    """Give the shop a non-expiring offline token, as if the merchant had opened the app."""
    with app.app_context():
        shop = shops.get_or_create(domain=domain)
        session().commit()
        tokens.save(shop=shop, token=TokenExchangeAccessToken(
            access_mode="offline", shop=domain.removesuffix(".myshopify.com"), token=f"shpat_{shop.id}",
            scope="read_orders,write_orders", refresh_token=None, expires=None, refresh_token_expires=None,
            user=None))


def events(app, **where) -> list[WebhookEvent]:
    with app.app_context():
        return list(session().scalars(select(WebhookEvent).filter_by(**where).order_by(WebhookEvent.id)))


def effects(app, **where) -> list[Effect]:
    with app.app_context():
        return list(session().scalars(select(Effect).filter_by(**where).order_by(Effect.id)))


def count(app, model, **where) -> int:
    with app.app_context():
        return session().scalar(select(func.count()).select_from(model).filter_by(**where))


def orders(app) -> list[tuple[str, int]]:
    with app.app_context():
        rows = session().execute(select(Shop.domain, Order.shopify_id).join(Shop, Shop.id == Order.shop_id)
                                 .order_by(Shop.domain, Order.shopify_id))
        return [tuple(row) for row in rows]


def make_due(app) -> None:
    """Move time past every retry delay and every worker's lease (the sweeper's view a while later)."""
    past = utcnow() - timedelta(seconds=1)
    with app.app_context():
        for model in (WebhookEvent, Effect):
            session().execute(update(model).where(model.next_attempt_at.is_not(None))
                              .values(next_attempt_at=past))
            session().execute(update(model).where(model.locked_until.is_not(None)).values(locked_until=past))
        session().commit()


def _rows(stmt) -> list[tuple]:
    return sorted(tuple(str(v) if v is not None else None for v in row) for row in session().execute(stmt))


def snapshot(app) -> dict[str, list[tuple]]:
    """Everything delivery order must not change, keyed by shop domain and Shopify ids (never our ids)."""
    from shop_plugin.delays.models import OrderCheck
    from shop_plugin.helpdesk.models import Ticket
    from shop_plugin.notify.models import Notice
    from shop_plugin.orders.models import Fulfillment, FulfillmentEvent, LineItem, Refund
    from shop_plugin.promises.models import OrderPromise

    d = Shop.domain
    by_shop = {
        "orders": (Order, (Order.shopify_id, Order.name, Order.email, Order.financial_status, Order.fulfillment_status,
                           Order.tags, Order.total_price, Order.updated_at, Order.cancelled_at)),
        "fulfillments": (Fulfillment, (Fulfillment.shopify_id, Fulfillment.order_shopify_id, Fulfillment.status,
                                       Fulfillment.shipment_status, Fulfillment.tracking_number,
                                       Fulfillment.updated_at)),
        "carrier_events": (FulfillmentEvent, (FulfillmentEvent.shopify_id, FulfillmentEvent.fulfillment_shopify_id,
                                              FulfillmentEvent.status, FulfillmentEvent.happened_at)),
        "refunds": (Refund, (Refund.shopify_id, Refund.order_shopify_id, Refund.amount)),
        "promises": (OrderPromise, (OrderPromise.order_shopify_id, OrderPromise.ship_by, OrderPromise.deliver_to,
                                    OrderPromise.text)),
        "checks": (OrderCheck, (OrderCheck.order_shopify_id, OrderCheck.active_reasons, OrderCheck.state)),
        "tickets": (Ticket, (Ticket.order_shopify_id, Ticket.reason, Ticket.status, Ticket.priority)),
        "notices": (Notice, (Notice.order_shopify_id, Notice.reason, Notice.status)),
        "effects": (Effect, (Effect.kind, Effect.key, Effect.status, Effect.attempts)),
    }
    with app.app_context():
        state = {name: _rows(select(d, *columns).join(Shop, Shop.id == model.shop_id))
                 for name, (model, columns) in by_shop.items()}
        state["line_items"] = _rows(select(d, Order.shopify_id, LineItem.shopify_id, LineItem.quantity)
                                    .join(Order, Order.id == LineItem.order_id).join(Shop, Shop.id == Order.shop_id))
        state["events"] = _rows(select(WebhookEvent.shop_domain, WebhookEvent.webhook_id, WebhookEvent.status))
    return state
