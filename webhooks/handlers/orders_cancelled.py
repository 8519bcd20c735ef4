"""orders/cancelled carries the whole order, like orders/create: the same upsert applies."""
from webhooks.handlers.orders_create import handle

__all__ = ["handle"]
