"""Every /api/ operation: parameters, request bodies and answers."""
from __future__ import annotations

from shop_plugin.api.schema import (
    DATE_TIME,
    ROW_ID,
    SHOPIFY_ID,
    STRING,
    enum,
    json_body,
    obj,
    path_id,
    query,
    ref,
    responses,
)
from shop_plugin.events.models import STATUSES as EVENT_STATUSES
from shop_plugin.helpdesk.models import PRIORITIES, STATUSES
from shop_plugin.refunds.models import STATUSES as PROMPT_STATUSES


def op(tag: str, summary: str, answers: dict, *, params: tuple = (), body: dict | None = None,
       description: str | None = None, **extra) -> dict:
    operation = {"tags": [tag], "summary": summary, "responses": answers, **extra}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = list(params)
    if body is not None:
        operation["requestBody"] = {"required": True, **json_body(body)}
    return operation


def ok(schema_name: str, description: str = "OK") -> dict:
    return json_body(ref(schema_name), description)


NO_CONTENT = {"description": "deleted"}
REFUSED = json_body(ref("Error"), "the body or the amount is wrong")
DATE_OR_TIME = {"type": "string", "description": "YYYY-MM-DD (a whole day in the shop's time zone) or an "
                                                 "ISO-8601 date and time"}
LIMIT = {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}

TICKET_FILTERS = (
    query("status", enum(*STATUSES), "only tickets in this status"),
    query("priority", enum(*PRIORITIES), "only tickets of this priority"),
    query("assignee_id", {"anyOf": [ROW_ID, enum("none")]}, "a staff member's id, or none for unassigned"),
    query("tag", {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,39}$"}, "only tickets with this tag"),
    query("q", {"type": "string", "maxLength": 200},
          "a whole order number or email address, or at least 3 characters of a title, address, order name or "
          "message (shorter: 400)"),
    query("reason", {"type": "string", "maxLength": 40}, "only tickets opened for this reason"),
    query("order_id", SHOPIFY_ID, "only tickets about this order (Shopify id)"),
    query("sort", enum("newest", "due"), "newest first (default), or soonest SLA deadline first"),
    query("cursor", STRING, "next_cursor of the previous page (same sort)"),
    query("limit", LIMIT, "tickets per page"),
)

HELPDESK = {
    "/api/tickets": {"get": op("helpdesk", "The inbox: tickets, filtered, in keyset pages",
                               responses(ok("TicketList"), "200", "400"), params=TICKET_FILTERS)},
    "/api/tickets/{ticket_id}": {
        "parameters": [path_id("ticket_id")],
        "get": op("helpdesk", "One ticket with its messages, the order's timeline, the customer, the pending "
                              "refund prompt and the rating", responses(ok("TicketDetail"), "200", "404")),
        "patch": op("helpdesk", "Change status, priority, assignee or tags",
                    responses(ok("Ticket"), "200", "404", "409", "422"), body=ref("TicketChanges"),
                    description="All changes apply, or none (422). 409 when reopening would make a second open "
                                "ticket for the same order and reason."),
    },
    "/api/tickets/{ticket_id}/messages": {
        "parameters": [path_id("ticket_id")],
        "post": op("helpdesk", "Reply to the customer (emailed, threaded) or add an internal note",
                   responses(ok("Message", "created"), "201", "404", "422"), body=ref("NewMessage")),
    },
    "/api/tickets/bulk": {"post": op(
        "helpdesk", "Apply one change to many tickets", responses(ok("BulkResult"), "200", "409", "422"),
        body=ref("BulkChange"), description="Ids of other shops' tickets are ignored; nothing is applied when "
                                            "any field is wrong.")},
    "/api/staff": {"get": op("helpdesk", "The shop's staff (everyone who opened the app)",
                             responses(ok("StaffList")))},
    "/api/staff/{staff_id}": {
        "parameters": [path_id("staff_id")],
        "patch": op("helpdesk", "Set a staff member's name or email",
                    responses(ok("StaffMember"), "200", "404", "422"), body=ref("StaffChanges")),
    },
    "/api/canned-replies": {
        "get": op("helpdesk", "Canned replies, by title", responses(ok("CannedReplyList"))),
        "post": op("helpdesk", "Write a canned reply ({{ variables }} are filled per ticket)",
                   responses(ok("CannedReply", "created"), "201", "422"), body=ref("NewCannedReply")),
    },
    "/api/canned-replies/{reply_id}": {
        "parameters": [path_id("reply_id")],
        "patch": op("helpdesk", "Change a canned reply", responses(ok("CannedReply"), "200", "404", "422"),
                    body=ref("CannedReplyChanges")),
        "delete": op("helpdesk", "Delete a canned reply", responses(NO_CONTENT, "204", "404")),
    },
    "/api/canned-replies/{reply_id}/preview": {
        "parameters": [path_id("reply_id")],
        "get": op("helpdesk", "The canned reply filled for a ticket",
                  responses(ok("CannedReplyPreview"), "200", "400", "404"),
                  params=(query("ticket_id", ROW_ID, "the ticket to fill it for", required=True),)),
    },
    "/api/metrics": {"get": op(
        "helpdesk", "Response and resolution times, SLA, volume, CSAT and breaches for tickets created in a period",
        responses(ok("Metrics"), "200", "400"),
        params=(query("from", DATE_OR_TIME, "start (default: 30 days before to)"),
                query("to", DATE_OR_TIME, "end, exclusive for a date-time, inclusive for a date (default: now)")),
        description="400 when a bound is not a date, from is after to, or the range exceeds 366 days.")},
}

SHOP = {
    "/api/settings": {
        "get": op("settings", "The shop's effective settings and their version", responses(ok("Settings"))),
        "put": op("settings", "Save settings (validated; nothing is saved on any error)",
                  responses(ok("Settings"), "200", "422"), body=ref("SettingsDocument")),
    },
    "/api/promise/preview": {"post": op(
        "settings", "The window a customer would be promised for an order like this",
        responses(ok("PromisePreview"), "200", "422"),
        body=obj({"ordered_at": DATE_TIME, "country": {"type": "string", "pattern": "^[A-Z]{2}$"}},
                 {"vendors": {"type": "array", "items": STRING}, "tags": {"type": "array", "items": STRING},
                  "locale": STRING, "settings": ref("SettingsDocument")}))},
    "/api/orders/{shopify_id}": {
        "parameters": [path_id("shopify_id", SHOPIFY_ID, "the order's Shopify id")],
        "get": op("orders", "The order as ShipPromise holds it", responses(ok("Order"), "200", "404")),
    },
    "/api/refund-prompts": {"get": op(
        "refunds", "Refund prompts, newest first (up to 200)", responses(ok("RefundPromptList"), "200", "400"),
        params=(query("status", enum(*PROMPT_STATUSES), "only prompts in this status"),
                query("order_id", SHOPIFY_ID, "only prompts of this order")))},
    "/api/refund-prompts/{prompt_id}/accept": {
        "parameters": [path_id("prompt_id")],
        "post": op("refunds", "Refund the order (once, whatever retries happen)", {
            **responses(ok("Refunded"), "200", "404", "409"), "422": REFUSED,
            "502": json_body(ref("RefundFailed"), "Shopify did not refund; retrying is safe")},
            body=obj(optional={"amount": {"type": "string", "description": "a decimal such as 12.00"},
                               "note": {"type": "string", "maxLength": 1000}}, closed=True)),
    },
    "/api/refund-prompts/{prompt_id}/dismiss": {
        "parameters": [path_id("prompt_id")],
        "post": op("refunds", "Dismiss a pending or failed prompt",
                   {**responses(ok("PromptStatus"), "200", "404", "409"), "422": REFUSED},
                   body=obj(optional={"reason": {"type": "string", "maxLength": 1000}}, closed=True)),
    },
    "/api/disputes/ratio": {"get": op(
        "disputes", "The month's chargeback ratio against card-network thresholds",
        responses(ok("DisputeRatio"), "200", "400"),
        params=(query("month", {"type": "string", "pattern": "^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])$"},
                      "YYYY-MM in the shop's time zone (default: this month)"),))},
    "/api/disputes/{dispute_id}/evidence": {
        "parameters": [path_id("dispute_id", SHOPIFY_ID, "the dispute's Shopify id")],
        "get": op("disputes", "The dispute's evidence pack: HTML to print, or JSON when asked", responses({
            "description": "the pack", "content": {"application/json": {"schema": ref("EvidencePack")},
                                                   "text/html": {"schema": STRING}}}, "200", "404")),
    },
    "/api/stats/delays": {"get": op(
        "stats", "Processing and transit times and on-time rates per supplier or carrier",
        responses(ok("DelayStats"), "200", "400"),
        params=(query("group", enum("supplier", "carrier"), "group by (default supplier)"),
                query("from", DATE_TIME, "orders created from (default: 90 days before to)"),
                query("to", DATE_TIME, "orders created before (default: now)")))},
    "/api/webhook-events": {"get": op(
        "operations", "This shop's webhook deliveries and what became of them",
        responses(ok("WebhookEvents"), "200", "400"),
        params=(query("status", enum(*EVENT_STATUSES), "only deliveries in this status"),
                query("limit", LIMIT, "how many, newest first"),
                query("webhook_id", STRING, "one delivery by its X-Shopify-Webhook-Id")))},
    "/api/reconcile/status": {"get": op(
        "operations", "How far the install backfill and the latest reconciliation have come",
        responses(ok("ReconcileStatus")))},
    "/api/checkout/promise": {"get": op(
        "storefront", "The promise for the thank-you and order-status extensions",
        {"200": ok("StorefrontPromise"), "401": {"description": "not a valid extension session token"},
         "404": json_body(ref("FieldErrors"), "the shop is not installed"),
         "422": json_body(ref("FieldErrors"), "order_id is not a Shopify order id")},
        params=(query("order_id", STRING, "the order's Shopify id or GID", required=True),
                query("confirmation", STRING, "the order's confirmation number, from the page; without it (or a "
                      "session token naming the order's customer) the answer is the provisional window"),
                query("surface", enum("thank-you", "order-status"), "which extension asks (default thank-you)"),
                query("locale", STRING, "the customer's locale"),
                query("country", STRING, "the destination country (two letters)")),
        security=[{"extension_token": []}])},
    "/api/openapi.json": {"get": op("operations", "This document", {"200": json_body({"type": "object"}, "OK")},
                                    security=[])},
}
