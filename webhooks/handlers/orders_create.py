"""orders/create (and updated, cancelled, fulfilled, paid): store the order if newer; promise it once;
check it against its promise."""
from flask import current_app

from shop_plugin.db import utcnow
from shop_plugin.delays import service as delays
from shop_plugin.extensions import session
from shop_plugin.orders import service as orders
from shop_plugin.promises import service as promises
from shop_plugin.refunds import service as refunds
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    handle_many([ctx])


def handle_many(ctxs: list[HandlerContext]) -> None:
    """Events of distinct orders in one transaction, a few statements however many (a worker's batch)."""
    s = session()
    stored = orders.upsert_orders(s, [(ctx.shop, ctx.payload) for ctx in ctxs])
    won = [(ctx.shop, ctx.payload) for ctx in ctxs if (ctx.shop.id, int(ctx.payload["id"])) in stored]
    for shop, refund in orders.record_order_refunds(s, won):
        refunds.follow_up(s, shop=shop, refund=refund, now=utcnow())
    last_try = any(ctx.event.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"] for ctx in ctxs)
    promises.promise_orders(s, [(ctx.shop, ctx.payload, _is_new(stored.get((ctx.shop.id, int(ctx.payload["id"])))))
                                for ctx in ctxs], wait_for_tags=not last_try)
    for ctx in ctxs:
        ctx.order_id = int(ctx.payload["id"])
    delays.check_orders(s, [(ctx.shop, ctx.order_id) for ctx in ctxs])


def _is_new(stored) -> bool:
    return stored is not None and stored.new is True
