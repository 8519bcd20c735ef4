"""orders/create (and updated, cancelled, fulfilled, paid): the whole order, stored if it is newer than what we hold."""
from shop_plugin.extensions import session
from shop_plugin.orders import service as orders
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    orders.upsert_order(session(), shop=ctx.shop, payload=ctx.payload)
    ctx.order_id = int(ctx.payload["id"])
