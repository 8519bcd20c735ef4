"""orders/create (and updated, cancelled, fulfilled, paid): store the order if newer; promise it once;
check it against its promise."""
from shop_plugin.delays import service as delays
from shop_plugin.extensions import session
from shop_plugin.orders import service as orders
from shop_plugin.promises import service as promises
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    stored = orders.upsert_order(session(), shop=ctx.shop, payload=ctx.payload)
    promises.promise_order(session(), shop=ctx.shop, payload=ctx.payload,
                           new_order=stored is not None and stored.new is True)
    ctx.order_id = int(ctx.payload["id"])
    delays.check_order(session(), shop=ctx.shop, order_id=ctx.order_id)
