"""customers/data_request: export everything we hold about one customer, for the merchant."""
from shop_plugin.compliance import service as compliance
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    compliance.export_customer(shop=ctx.shop, payload=ctx.payload, event_id=ctx.event.id)
