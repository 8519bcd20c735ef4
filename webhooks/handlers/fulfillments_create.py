"""fulfillments/create and update: a fulfilment with its tracking, newest state wins."""
from shop_plugin.extensions import session
from shop_plugin.orders import service as orders
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    orders.upsert_fulfillment(session(), shop=ctx.shop, payload=ctx.payload)
    ctx.order_id = int(ctx.payload["order_id"])
