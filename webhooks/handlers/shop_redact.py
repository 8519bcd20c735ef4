"""shop/redact: 48 hours after uninstall, delete every row of the shop."""
from shop_plugin.compliance import service as compliance
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    compliance.redact_shop(shop=ctx.shop, keep_event_id=ctx.event.id)
