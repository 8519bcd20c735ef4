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
    for ctx in ctxs:
        ctx.order_id = int(ctx.payload["id"])
        if (ctx.shop.id, ctx.order_id) in stored:  # this version of the order was written: its refunds too
            refunds.record(s, shop=ctx.shop, order_id=ctx.order_id, payloads=ctx.payload.get("refunds") or [],
                           now=utcnow())
    last_try = any(ctx.event.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"] for ctx in ctxs)
    promises.promise_orders(s, [(ctx.shop, ctx.payload, _is_new(stored.get((ctx.shop.id, ctx.order_id))))
                                for ctx in ctxs], wait_for_tags=not last_try)
    delays.check_orders(s, [(ctx.shop, ctx.order_id) for ctx in ctxs])


def _is_new(stored) -> bool:
    return stored is not None and stored.new is True
