"""disputes/create and update: a chargeback or inquiry (Shopify Payments), ordered by trigger time."""
from shop_plugin.db import utcnow
from shop_plugin.disputes import service as disputes
from shop_plugin.extensions import session
from shop_plugin.orders import service as orders
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    seen_at = ctx.event.triggered_at or ctx.event.received_at or utcnow()
    if orders.upsert_dispute(session(), shop=ctx.shop, payload=ctx.payload, seen_at=seen_at) is not None:
        disputes.on_dispute(session(), shop=ctx.shop, payload=ctx.payload, now=utcnow())
    ctx.order_id = ctx.payload.get("order_id")
