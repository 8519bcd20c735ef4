"""The same change applied to many tickets of one shop, or to none when anything is wrong."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.helpdesk import actions
from shop_plugin.helpdesk.actions import check_changes
from shop_plugin.helpdesk.models import StaffMember, Ticket
from shop_plugin.shops.models import Shop
from shop_plugin.validation import MAX_ROW_ID

MAX_IDS = 100


def _check_ids(ids) -> str | None:
    if not (isinstance(ids, list) and 1 <= len(ids) <= MAX_IDS
            and all(type(i) is int and 0 < i <= MAX_ROW_ID for i in ids)):
        return f"must be a list of 1 to {MAX_IDS} ticket ids"
    return None


def update_many(s: Session, *, shop: Shop, document, staff: StaffMember | None,
                now: datetime) -> tuple[int, dict[str, str]]:
    """Apply {"ids", "changes"} to those of the ids that are this shop's tickets; returns (how many,
    field errors). Nothing is applied when there are errors; the caller rolls back on errors."""
    if not isinstance(document, dict):
        return 0, {"": "request body must be a JSON object"}
    errors = {key: "unknown field; allowed: ids, changes" for key in set(document) - {"ids", "changes"}}
    if (problem := _check_ids(document.get("ids"))) is not None:
        errors["ids"] = problem
    changes = document.get("changes")
    if not isinstance(changes, dict) or not changes:
        errors["changes"] = "must be an object with some of status, priority, assignee_id, tags"
    else:
        errors.update({f"changes.{k}": v for k, v in check_changes(s, shop, changes).items()})
    if errors:
        return 0, errors
    tickets = s.scalars(select(Ticket).where(Ticket.shop_id == shop.id, Ticket.id.in_(set(document["ids"])))
                        .order_by(Ticket.id)).all()
    for ticket in tickets:
        problems = actions.update_ticket(s, shop=shop, ticket=ticket, changes=changes, staff=staff, now=now)
        if problems:
            return 0, {f"changes.{k}": v for k, v in problems.items()}
    return len(tickets), {}
