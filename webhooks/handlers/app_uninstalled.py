"""app/uninstalled: the token is already revoked; forget it and stop the shop's jobs."""
from shop_plugin.shops import service as shops
from webhooks.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    shops.uninstall(shop=ctx.shop, triggered_at=ctx.event.triggered_at)
