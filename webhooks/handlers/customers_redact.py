"""customers/redact: erase one customer's personal data from the listed orders."""
from shop_plugin.compliance import service as compliance
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    compliance.redact_customer(shop=ctx.shop, payload=ctx.payload, event_id=ctx.event.id)
