"""Chargeback intent in customer messages: a refund prompt before the bank is called."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shop_plugin.helpdesk.models import Ticket, TicketEntry
from shop_plugin.shops.models import Shop


def on_customer_message(s: Session, *, shop: Shop, ticket: Ticket, entry: TicketEntry, now: datetime) -> None:
    """Called once for every inbound customer message stored on a ticket."""
