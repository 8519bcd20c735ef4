"""The inbox page: its query string read as the tickets API reads one, a page of tickets whose order
names and assignees are looked up for the whole page at once, and the bulk form."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop_plugin.admin.pages import form_id
from shop_plugin.delays.rules import REASONS as DELAY_REASONS
from shop_plugin.helpdesk import bulk, query, serialize, service
from shop_plugin.helpdesk import staff as staff_service
from shop_plugin.helpdesk.models import PRIORITIES, STATUSES, StaffMember
from shop_plugin.shops.models import Shop

REASONS = (*DELAY_REASONS, "dispute", "inquiry")  # every reason a ticket is opened for

PAGE_SIZE = 25
FIELDS = ("status", "priority", "reason", "assignee", "tag", "q", "sort")
DEFAULT_STATUS = "open"
STATUS_CHOICES = (*STATUSES, "all")
SORTS = (("due", "SLA due first"), ("newest", "Newest first"))
BULK_ACTIONS = ("assign", "resolve")


def read(args, *, staff: StaffMember | None) -> tuple[dict, query.Page | None, dict[str, str]]:
    """(form values to show again, the page to load, field errors)."""
    form = {key: (args.get(key) or "").strip() for key in FIELDS}
    form["status"] = args.get("status", DEFAULT_STATUS)
    form["sort"] = form["sort"] or "due"
    api = {key: form[key] for key in ("priority", "reason", "tag", "q", "sort")}
    api.update(status="" if form["status"] == "all" else form["status"], limit=str(PAGE_SIZE),
               cursor=args.get("cursor", ""))
    errors: dict[str, str] = {}
    if form["assignee"] == "mine":
        if staff is None:
            errors["assignee"] = "your user is not known to the app; choose a person"
        api["assignee_id"] = str(staff.id) if staff else ""
    else:
        api["assignee_id"] = form["assignee"]
    page, page_errors = query.page(api)
    errors.update({("assignee" if k == "assignee_id" else k): v for k, v in page_errors.items()})
    return form, (None if errors else page), errors


def load(s: Session, *, shop: Shop, page: query.Page | None, now: datetime) -> dict:
    """One page of rows and the next page's cursor, plus the filter choices; a constant number of queries."""
    rows, cursor = [], None
    if page is not None:
        tickets = service.get_all(s, shop=shop, filters=page.filters, sort=page.sort, limit=page.limit + 1,
                                  before_id=page.before_id, after=page.after)
        shown = tickets[:page.limit]
        rows = serialize.tickets_json(s, shop=shop, tickets=shown, now=now)
        cursor = query.encode_cursor(page.sort, shown[-1]) if len(tickets) > page.limit else None
    reasons = sorted(REASONS)  # a fixed list: a DISTINCT over a shop's tickets grows with the shop
    return {"rows": rows, "next_cursor": cursor, "staff": staff_service.get_all(s, shop=shop),
            "reasons": reasons, "statuses": STATUS_CHOICES, "priorities": PRIORITIES, "sorts": SORTS}


def apply_bulk(s: Session, *, shop: Shop, staff: StaffMember | None, form, now: datetime) -> tuple[int, dict]:
    """The bulk form: assign or resolve the ticked tickets, all or none. Commits when done."""
    action = form.get("bulk")
    ids = [i for i in map(form_id, form.getlist("ticket_id")) if i is not None]
    if action not in BULK_ACTIONS:
        return 0, {"bulk": "choose assign or resolve"}
    if not ids:
        return 0, {"ticket_id": "tick at least one ticket"}
    if action == "resolve":
        changes = {"status": "resolved"}
    else:
        raw = form.get("assignee_id", "")
        changes = {"assignee_id": (form_id(raw) or -1) if raw else None}  # -1: not an id, the service says so
    try:
        count, errors = bulk.update_many(s, shop=shop, document={"ids": ids, "changes": changes}, staff=staff,
                                         now=now)
    except IntegrityError:
        count, errors = 0, {"bulk": "another ticket for the same order and reason is open"}
    if errors:
        s.rollback()
        return 0, {k.removeprefix("changes."): v for k, v in errors.items()}
    s.commit()
    return count, {}
