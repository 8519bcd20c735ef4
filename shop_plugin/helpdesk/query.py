"""Reading the API's query strings: ticket list filters, keyset cursors and metric date ranges.

Each parser returns (value, field errors) so views answer 400 naming every bad parameter."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shop_plugin.db import iso, parse_time
from shop_plugin.helpdesk.actions import TAG
from shop_plugin.helpdesk.models import PRIORITIES, STATUSES, Ticket
from shop_plugin.helpdesk.service import MIN_MESSAGE_SEARCH, ORDER_NUMBER, Filters
from shop_plugin.validation import MAX_ROW_ID, whole_number

MAX_LIMIT = 200
MAX_QUERY = 200
MAX_REASON = 40
SORTS = ("newest", "due")
MAX_RANGE_DAYS = 366
DEFAULT_RANGE = timedelta(days=30)
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    filters: Filters
    sort: str
    limit: int
    before_id: int | None = None
    after: tuple | None = None  # (due_at, id) for sort=due




def _filters(args, errors: dict) -> Filters:
    for key, allowed in (("status", STATUSES), ("priority", PRIORITIES)):
        if args.get(key) and args[key] not in allowed:
            errors[key] = f"must be one of {', '.join(allowed)}"
    if args.get("order_id") and whole_number(args["order_id"]) is None:
        errors["order_id"] = "must be a Shopify order id"
    assignee = args.get("assignee_id")
    if assignee and assignee != "none" and whole_number(assignee, MAX_ROW_ID) is None:
        errors["assignee_id"] = "must be a staff member id, or none for unassigned"
    if args.get("tag") and not TAG.match(args["tag"]):
        errors["tag"] = "must be a tag: lowercase letters, digits, - and _, up to 40 characters"
    if len(args.get("reason", "")) > MAX_REASON:
        errors["reason"] = f"must be at most {MAX_REASON} characters"
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        errors["q"] = f"must be at most {MAX_QUERY} characters"
    elif 0 < len(q.lstrip("#")) < MIN_MESSAGE_SEARCH and not ORDER_NUMBER.match(q):
        # no index can serve one or two characters: they would read every ticket of the shop
        errors["q"] = f"must be at least {MIN_MESSAGE_SEARCH} characters, or a whole order number"
    for key in ("reason", "q"):
        if "\x00" in args.get(key, ""):
            errors[key] = "must not contain NUL characters"
    return Filters(status=args.get("status") or None, priority=args.get("priority") or None,
                   reason=args.get("reason") or None, tag=args.get("tag") or None,
                   q=(args.get("q") or "").strip() or None, order_id=whole_number(args.get("order_id")),
                   assignee_id=0 if assignee == "none" else whole_number(assignee, MAX_ROW_ID))


def encode_cursor(sort: str, ticket: Ticket) -> str:
    """An opaque cursor: the sort and the last row's key."""
    key = {"s": sort, "i": ticket.id}
    if sort == "due":
        key["d"] = iso(ticket.due_at)
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(raw: str, sort: str) -> tuple | None:
    """(before_id,) for newest or (due_at, id) for due; None when it is not one of our cursors."""
    try:
        key = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(key, dict) or key.get("s") != sort or type(key.get("i")) is not int \
            or not 0 < key["i"] <= MAX_ROW_ID:
        return None
    if sort == "newest":
        return (key["i"],)
    due = key.get("d")
    moment = parse_time(due) if isinstance(due, str) else None
    if due is not None and not (moment is not None and EARLIEST <= moment < LATEST):
        return None
    return (moment, key["i"])


def page(args) -> tuple[Page | None, dict[str, str]]:
    """The list request's filters, sort, limit and cursor, or the field errors."""
    errors: dict[str, str] = {}
    filters = _filters(args, errors)
    sort = args.get("sort") or "newest"
    if sort not in SORTS:
        errors["sort"] = f"must be one of {', '.join(SORTS)}"
    limit = whole_number(args.get("limit", "50"), MAX_LIMIT)
    if limit is None:
        errors["limit"] = f"must be a whole number from 1 to {MAX_LIMIT}"
    key = None
    if args.get("cursor") and sort in SORTS:
        key = _decode_cursor(args["cursor"], sort)
        if key is None:
            errors["cursor"] = "must be a next_cursor returned by this list, with the same sort"
    if errors:
        return None, errors
    return Page(filters=filters, sort=sort, limit=limit,
                before_id=key[0] if key and sort == "newest" else None,
                after=key if key and sort == "due" else None), {}


def _moment(raw: str, tz: ZoneInfo, end: bool) -> datetime | None:
    """A date is a day in the shop's zone (an end date includes that day); a date-time is an instant
    (without an offset, UTC)."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        moment = parse_time(raw) if "T" in raw else None
    else:
        moment = datetime.combine(day + timedelta(days=1) if end and day < date.max else day, time(0), tz)
    return moment if moment is not None and EARLIEST <= moment < LATEST else None


def date_range(args, *, timezone: str, now: datetime) -> tuple[tuple[datetime, datetime] | None, dict[str, str]]:
    """[from, to) for the metrics: ISO dates (whole days in the shop's zone) or date-times;
    the last 30 days by default; at most 366 days."""
    tz, errors = ZoneInfo(timezone), {}
    bounds = {}
    for key, default in (("to", now), ("from", None)):
        raw = args.get(key)
        bounds[key] = _moment(raw, tz, end=key == "to") if raw else default
        if raw and bounds[key] is None:
            errors[key] = "must be an ISO-8601 date (YYYY-MM-DD) or date and time, from 1970 to 2199"
    if errors:
        return None, errors
    end = bounds["to"]
    start = bounds["from"] or end - DEFAULT_RANGE
    if start > end:
        return None, {"from": "must not be after to"}
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        return None, {"from": f"the range must be at most {MAX_RANGE_DAYS} days"}
    return (start, end), {}
