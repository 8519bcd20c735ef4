"""What the App Home page shows about the pipeline."""
from __future__ import annotations

from sqlalchemy import func, select

from shop_plugin.events.models import WebhookEvent
from shop_plugin.extensions import session
from shop_plugin.orders.models import Order
from shop_plugin.reconcile import service as reconcile
from shop_plugin.shops.models import Shop


def summary(*, shop: Shop) -> dict:
    """Orders held, webhook deliveries by status and the install backfill, for this shop only."""
    s = session()
    by_status = dict(s.execute(
        select(WebhookEvent.status, func.count()).where(WebhookEvent.shop_domain == shop.domain)
        .group_by(WebhookEvent.status)
    ).all())
    orders = s.scalar(select(func.count()).select_from(Order).where(Order.shop_id == shop.id))
    return {"orders": orders or 0, "events": by_status, "backfill": reconcile.backfill_progress(s, shop=shop)}
