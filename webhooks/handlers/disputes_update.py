"""disputes/update carries the whole dispute, like disputes/create."""
from webhooks.handlers.disputes_create import handle

__all__ = ["handle"]
