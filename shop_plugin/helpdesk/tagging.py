"""Tags from the words customers use ("urgent", "not received", 환불, rusak), by the shop's rules.

Text and keywords are compared after Unicode NFKC normalisation and case folding, with spaces
optional (Korean spacing varies: 못 받았 / 못받았), so full-width or differently cased writing
matches too. Tags are only ever added."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy.orm import Session

from shop_plugin.helpdesk import actions
from shop_plugin.helpdesk.models import PRIORITIES, Ticket
from shop_plugin.helpdesk.service import add_system_line
from shop_plugin.shops.models import Shop

RAISES_PRIORITY = {"urgent": "high"}  # tag → the least priority a ticket with it gets


def _folded(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold())


def matching(text: str, rules: list[dict]) -> list[str]:
    """Tags of the rules with a keyword in `text`, in rule order."""
    folded = _folded(text)
    return [rule["tag"] for rule in rules
            if any(_folded(word) and _folded(word) in folded for word in rule["keywords"])]


def apply(s: Session, *, shop: Shop, ticket: Ticket, text: str, settings: dict, now: datetime) -> list[str]:
    """Add the tags the message's text calls for; raise the priority where a tag asks for it.
    Returns the tags that were new on this ticket."""
    found = matching(text, settings.get("tag_rules") or [])
    new = [tag for tag in dict.fromkeys(found) if tag not in (ticket.tags or [])]
    if new:
        ticket.tags = sorted({*(ticket.tags or []), *new})
        add_system_line(s, shop=shop, ticket_id=ticket.id, body=f"Tagged from the message: {', '.join(new)}",
                        now=now)
    for tag in new:
        least = RAISES_PRIORITY.get(tag)
        if least and PRIORITIES.index(ticket.priority) > PRIORITIES.index(least):
            actions.update_ticket(s, shop=shop, ticket=ticket, changes={"priority": least}, staff=None, now=now)
    return new
