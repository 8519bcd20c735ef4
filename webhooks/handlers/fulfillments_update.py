"""fulfillments/update carries the whole fulfilment, like fulfillments/create."""
from webhooks.handlers.fulfillments_create import handle

__all__ = ["handle"]
