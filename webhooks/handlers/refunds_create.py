"""refunds/create: money returned to the customer."""
from shop_plugin.db import utcnow
from shop_plugin.delays import service as delays
from shop_plugin.extensions import session
from shop_plugin.refunds import service as refunds
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    ctx.order_id = int(ctx.payload["order_id"])
    refunds.record(session(), shop=ctx.shop, order_id=ctx.order_id, payloads=[ctx.payload], now=utcnow())
    if ctx.order_id:
        delays.check_order(session(), shop=ctx.shop, order_id=ctx.order_id)
