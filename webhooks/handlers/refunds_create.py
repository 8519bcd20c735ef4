"""refunds/create: money returned to the customer."""
from shop_plugin.db import utcnow
from shop_plugin.delays import service as delays
from shop_plugin.extensions import session
from shop_plugin.orders import service as orders
from shop_plugin.refunds import service as refunds
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    orders.record_refund(session(), shop=ctx.shop, payload=ctx.payload)
    ctx.order_id = int(ctx.payload["order_id"])
    refunds.follow_up(session(), shop=ctx.shop, refund=ctx.payload, now=utcnow())
    if ctx.order_id:
        delays.check_order(session(), shop=ctx.shop, order_id=ctx.order_id)
