"""Answers for the Admin GraphQL root fields the app uses, in Shopify's response shapes."""
from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from simulator.context import Simulator
from simulator.gql_parse import Field, QueryError, parse
from simulator.model import SHOP_IANA_TIMEZONE, SHOP_TZ, Order, SimulatorError, fmt_money, parse_amount

_FILTER = re.compile(r"""\b(updated_at|created_at):(<=|>=|<|>)?\s*(['"]?)([^'"\s]+)\3""")
_COMPARE = {"<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__", "": "__eq__"}


class FieldError(Exception):
    """An argument Shopify would reject with a top-level GraphQL error."""


def utc(stamp: datetime | None) -> str | None:
    return stamp.astimezone(UTC).isoformat().replace("+00:00", "Z") if stamp else None


def legacy_id(gid: Any, kind: str) -> int | None:
    match = re.fullmatch(rf"gid://shopify/{kind}/(\d+)", str(gid or ""))
    return int(match.group(1)) if match else None


def order_node(order: Order, currency: str) -> dict:
    return {
        "id": f"gid://shopify/Order/{order.id}", "legacyResourceId": str(order.id),
        "name": f"#{order.number}", "confirmationNumber": order.confirmation_number,
        "email": order.email, "createdAt": utc(order.created_at),
        "updatedAt": utc(order.updated_at), "cancelledAt": utc(order.cancelled_at),
        "displayFinancialStatus": order.financial_status.upper(),
        "displayFulfillmentStatus": (order.fulfillment_status or "unfulfilled").upper(),
        "totalPriceSet": {"shopMoney": {"amount": fmt_money(order.total), "currencyCode": currency}},
    }


def _matches(order: Order, search: str) -> bool:
    """Shopify search syntax, only the updated_at/created_at terms; others are ignored, as unknown terms are."""
    for field, op, _, raw in _FILTER.findall(search):
        try:
            bound = datetime.fromisoformat(raw)
        except ValueError:
            continue
        bound = bound if bound.tzinfo else bound.replace(tzinfo=SHOP_TZ)
        stamp = order.updated_at if field == "updated_at" else order.created_at
        if not getattr(stamp, _COMPARE[op])(bound):
            return False
    return True


def orders(sim: Simulator, args: dict) -> tuple[dict, int]:
    first = args.get("first")
    if not isinstance(first, int) or not 0 < first <= 250:
        raise FieldError("first must be given, between 1 and 250 (the simulator does not page backwards)")
    sort_key, reverse = args.get("sortKey") or "ID", bool(args.get("reverse"))
    attr = {"UPDATED_AT": "updated_at", "CREATED_AT": "created_at"}.get(sort_key)

    def key(order: Order) -> list:
        return [getattr(order, attr).timestamp() if attr else order.id, order.id]

    with sim.store.lock:
        found = sorted((o for o in sim.store.orders.values() if _matches(o, args.get("query") or "")),
                       key=key, reverse=reverse)
        if args.get("after"):
            try:
                last = json.loads(base64.b64decode(args["after"]))
            except ValueError:
                raise FieldError("Invalid cursor for current pagination sort.") from None
            found = [o for o in found if (key(o) < last if reverse else key(o) > last)]
        page = found[:first]
        edges = [{"cursor": base64.b64encode(json.dumps(key(o)).encode()).decode(),
                  "node": order_node(o, sim.shop.currency)} for o in page]
    info = {"hasNextPage": len(found) > first, "hasPreviousPage": bool(args.get("after")),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None}
    return {"edges": edges, "pageInfo": info}, 2 + len(edges)


def order(sim: Simulator, args: dict) -> tuple[dict | None, int]:
    with sim.store.lock:
        found = sim.store.orders.get(legacy_id(args.get("id"), "Order") or 0)
        return (order_node(found, sim.shop.currency) if found else None), 1


def nodes(sim: Simulator, args: dict) -> tuple[list, int]:
    """`nodes(ids:)` as the app asks it: products with their tags; null for an id the store lacks. A
    node of another type comes back empty, as a `... on Product` fragment leaves it."""
    ids = args.get("ids")
    if not isinstance(ids, list) or len(ids) > 250:
        raise FieldError("ids must be a list of at most 250 global ids")
    with sim.store.lock:
        products = {p["id"]: p for p in sim.store.products}
    found = []
    for gid in ids:
        product = products.get(legacy_id(gid, "Product") or 0)
        kind_known = sim.store.owner_exists(gid)
        found.append({"id": gid, "tags": [t.strip() for t in product["tags"].split(",") if t.strip()]}
                     if product else ({} if kind_known else None))
    return found, max(1, len(ids))


def shop(sim: Simulator, args: dict) -> tuple[dict, int]:
    info = sim.shop
    return {"id": f"gid://shopify/Shop/{info.id}", "name": info.name, "myshopifyDomain": info.domain,
            "email": f"owner@{info.domain}", "currencyCode": info.currency,
            "ianaTimezone": SHOP_IANA_TIMEZONE}, 1


def metafields_set(sim: Simulator, args: dict) -> tuple[dict, int]:
    entries = args.get("metafields") or []
    errors = [{"field": ["metafields"], "message": "At most 25 metafields per call",
               "code": "LESS_THAN_OR_EQUAL_TO"}] if len(entries) > 25 else []
    for i, entry in enumerate(entries):
        for name in ("ownerId", "key", "value", "type"):
            if entry.get(name) in (None, ""):
                errors.append({"field": ["metafields", str(i), name],
                               "message": f"{name} can't be blank", "code": "BLANK"})
        if entry.get("ownerId") and not sim.store.owner_exists(entry["ownerId"]):
            errors.append({"field": ["metafields", str(i), "ownerId"],
                           "message": "Owner does not exist", "code": "INVALID_VALUE"})
    if errors:
        return {"metafields": None, "userErrors": errors}, 10
    return {"metafields": sim.metafields.set(entries), "userErrors": []}, 10


def _refund_amount(found: Order, data: dict, lines: list[tuple[int, int]]) -> Decimal:
    """The transactions' sum if given, else what the refunded items and shipping come to."""
    if data.get("transactions"):
        return sum((parse_amount(t.get("amount")) for t in data["transactions"]), Decimal(0))
    prices = {li["id"]: Decimal(li["price"]) for li in found.line_items}
    amount = sum((prices.get(li_id, Decimal(0)) * qty for li_id, qty in lines), Decimal(0))
    shipping = data.get("shipping") or {}
    if shipping.get("fullRefund"):
        return amount + found.shipping_price
    return amount + (parse_amount(shipping["amount"]) if shipping.get("amount") else 0)


def refund_create(sim: Simulator, args: dict) -> tuple[dict, int]:
    data = args.get("input") or {}
    lines = [(legacy_id(li.get("lineItemId"), "LineItem") or 0, int(li.get("quantity") or 0))
             for li in data.get("refundLineItems") or []]
    try:
        found = sim.store.order(legacy_id(data.get("orderId"), "Order") or 0)
        amount = parse_amount(_refund_amount(found, data, lines))
        refund, events = sim.store.refund(found.id, amount, data.get("note") or "", lines)
    except SimulatorError as exc:
        return {"refund": None, "userErrors": [{"field": None, "message": str(exc)}]}, 10
    sim.deliver(events)
    money = {"amount": refund["transactions"][0]["amount"], "currencyCode": sim.shop.currency}
    return {"refund": {"id": refund["admin_graphql_api_id"], "note": refund["note"],
                       "createdAt": utc(datetime.fromisoformat(refund["created_at"])),
                       "totalRefundedSet": {"shopMoney": money}},
            "userErrors": []}, 10


QUERIES = {"shop": shop, "order": order, "orders": orders, "nodes": nodes}
MUTATIONS = {"metafieldsSet": metafields_set, "refundCreate": refund_create}


def _requested(field: Field, mutation: bool) -> int:
    if mutation:
        return 10
    first = field.args.get("first")
    return 2 + first if field.name == "orders" and isinstance(first, int) else 1


def execute(sim: Simulator, body: dict) -> dict:
    """The JSON answer to one GraphQL request; errors come as Shopify sends them, with HTTP 200."""
    try:
        variables = body.get("variables") if isinstance(body.get("variables"), dict) else None
        operation, fields = parse(str(body.get("query") or ""), variables)
    except QueryError as exc:
        return {"errors": [{"message": str(exc)}]}
    mutation = operation == "mutation"
    handlers, root = (MUTATIONS, "Mutation") if mutation else (QUERIES, "QueryRoot")
    unknown = [f for f in fields if f.name not in handlers]
    if unknown or not fields:
        name = unknown[0].name if unknown else ""
        return {"errors": [{"message": f"Field '{name}' doesn't exist on type '{root}'",
                            "extensions": {"code": "undefinedField", "typeName": root, "fieldName": name}}]}
    requested = sum(_requested(f, mutation) for f in fields)
    if not sim.throttle.allows(requested):
        return {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": sim.throttle.charge(requested, None)}}
    data, actual = {}, 0
    try:
        for f in fields:
            data[f.alias], spent = handlers[f.name](sim, f.args)
            actual += spent
    except FieldError as exc:
        return {"errors": [{"message": str(exc)}]}
    return {"data": data, "extensions": {"cost": sim.throttle.charge(requested, actual)}}
