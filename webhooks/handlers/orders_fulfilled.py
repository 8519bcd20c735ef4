"""orders/fulfilled carries the whole order, like orders/create: the same upsert applies."""
from webhooks.handlers.orders_create import handle, handle_many

__all__ = ["handle", "handle_many"]
