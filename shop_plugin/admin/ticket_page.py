"""The ticket page: the ticket's story (helpdesk.story, as the API shows it) with what its forms need,
and the forms' actions, each calling the helpdesk or refunds service the JSON API calls."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop_plugin.admin.pages import form_id
from shop_plugin.helpdesk import actions, canned, story
from shop_plugin.helpdesk import staff as staff_service
from shop_plugin.helpdesk.models import PRIORITIES, STATUSES, StaffMember, Ticket
from shop_plugin.refunds import service as refunds
from shop_plugin.refunds.serialize import prompt_json
from shop_plugin.shopify.client import shop_handle
from shop_plugin.shops.models import Shop

KINDS = (("reply", "Reply by email"), ("note", "Internal note"))
DONE = {
    "reply": "Reply saved; it is being emailed to the customer.",
    "note": "Note added.",
    "updated": "Ticket updated.",
    "refunded": "Refund made.",
    "refund_failed": "The refund did not go through; see the prompt below.",
    "dismissed": "Refund prompt dismissed.",
}
REOPEN_CONFLICT = "another ticket for this order and reason is open; work on that one"


def load(s: Session, *, shop: Shop, ticket: Ticket, canned_id: str | None, now: datetime) -> dict:
    """The ticket document and the choices for its forms; `draft` is a canned reply filled for this ticket."""
    replies = canned.get_all(s, shop=shop)
    chosen = next((r for r in replies if r.id == form_id(canned_id)), None)
    doc = story.for_ticket(s, shop=shop, ticket=ticket, now=now)
    return {"t": doc, "failed_prompt": None if doc["refund_prompt"] else _failed_prompt(s, shop, ticket),
            "shop_handle": shop_handle(shop.domain),
            "staff": staff_service.get_all(s, shop=shop), "canned": replies, "chosen_canned": chosen,
            "draft": canned.preview(s, shop=shop, reply=chosen, ticket=ticket) if chosen else "",
            "kinds": KINDS, "statuses": STATUSES, "priorities": PRIORITIES}


def _failed_prompt(s: Session, shop: Shop, ticket: Ticket) -> dict | None:
    """A prompt whose refund failed stays actionable (it can be retried or dismissed) with its error."""
    if ticket.order_shopify_id is None:
        return None
    failed = refunds.get_all(s, shop=shop, status="failed", order_id=ticket.order_shopify_id)
    return prompt_json(failed[0], {}) if failed else None


def _tags(raw: str) -> list[str]:
    return [t for t in re.split(r"[\s,]+", raw.strip().lower()) if t]


def _changes(form) -> dict:
    changes: dict = {}
    for key in ("status", "priority"):
        if form.get(key):
            changes[key] = form[key]
    if "assignee_id" in form:
        raw = form["assignee_id"]
        changes["assignee_id"] = (form_id(raw) or -1) if raw else None  # -1: not an id, the service says so
    if "tags" in form:
        changes["tags"] = _tags(form["tags"])
    return changes


def act(s: Session, *, shop: Shop, staff: StaffMember | None, ticket: Ticket, form,
        now: datetime) -> tuple[str | None, dict[str, str]]:
    """Carry out one form of the page: (what was done, for the page's notice) or field errors.
    Commits what it did; rolls back on errors."""
    action = form.get("action")
    if action == "message":
        entry, errors = actions.add_message(s, shop=shop, ticket=ticket, kind=form.get("kind"),
                                            body=form.get("body"), staff=staff, now=now)
        done = form.get("kind")
    elif action == "update":
        try:
            errors = actions.update_ticket(s, shop=shop, ticket=ticket, changes=_changes(form), staff=staff, now=now)
        except IntegrityError:
            errors = {"status": REOPEN_CONFLICT}
        done = "updated"
    elif action in ("refund_accept", "refund_dismiss"):
        return _refund(s, shop=shop, ticket=ticket, form=form, accept=action == "refund_accept")
    else:
        return None, {"action": "unknown form"}
    if errors:
        s.rollback()
        return None, errors
    s.commit()
    return done, {}


def _refund(s: Session, *, shop: Shop, ticket: Ticket, form, accept: bool) -> tuple[str | None, dict[str, str]]:
    """Accept (with an amount) or dismiss (with a reason) the order's prompt, as the refund-prompt API does."""
    field = "refund_amount" if accept else "dismiss_reason"
    prompt = refunds.get(s, shop=shop, prompt_id=form_id(form.get("prompt_id")) or 0)
    if prompt is None or ticket.order_shopify_id is None or prompt.order_shopify_id != ticket.order_shopify_id:
        return None, {field: "this refund prompt is not about this ticket's order"}
    try:
        if not accept:
            refunds.dismiss(s, shop=shop, prompt_id=prompt.id, reason=(form.get("reason") or "").strip())
            return "dismissed", {}
        amount = (form.get("amount") or "").strip() or None
        result = refunds.accept(s, shop=shop, prompt_id=prompt.id, amount=amount,
                                note=(form.get("note") or "").strip() or None)
    except refunds.PromptError as exc:
        s.rollback()
        return None, {field: str(exc)}
    return ("refunded" if result.status == "refunded" else "refund_failed"), {}
