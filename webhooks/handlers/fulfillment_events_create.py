"""fulfillment_events/create: a carrier event (label, pickup, transit, failure, delivery)."""
from shop_plugin.delays import service as delays
from shop_plugin.extensions import session
from shop_plugin.orders import service as orders
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    ctx.order_id = orders.add_fulfillment_event(session(), shop=ctx.shop, payload=ctx.payload)
    if ctx.order_id:
        delays.check_order(session(), shop=ctx.shop, order_id=ctx.order_id)
