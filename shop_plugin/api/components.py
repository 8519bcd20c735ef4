"""The API's documents as JSON Schema: what each endpoint answers and accepts."""
from __future__ import annotations

from shop_plugin.api.schema import (
    ANY_OBJECT,
    BOOLEAN,
    DATE,
    DATE_TIME,
    INTEGER,
    MONEY,
    NUMBER,
    ROW_ID,
    STRING,
    array,
    enum,
    nullable,
    obj,
    ref,
)
from shop_plugin.events.models import STATUSES as EVENT_STATUSES
from shop_plugin.helpdesk.models import ENTRY_KINDS, PRIORITIES, STATUSES
from shop_plugin.helpdesk.story import TIMELINE_KINDS
from shop_plugin.refunds.models import STATUSES as PROMPT_STATUSES

TEXT = nullable(STRING)
WHEN = nullable(DATE_TIME)
TAG = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,39}$"}
PERCENTILES = obj({"median_minutes": nullable(NUMBER), "p90_minutes": nullable(NUMBER)})

HELPDESK = {
    "Ticket": obj({
        "id": ROW_ID, "order_id": nullable(INTEGER), "order_name": TEXT, "reason": STRING, "title": TEXT,
        "status": enum(*STATUSES), "priority": enum(*PRIORITIES), "tags": array(STRING),
        "assignee": nullable(obj({"id": ROW_ID, "name": STRING})), "customer_email": TEXT,
        "created_at": DATE_TIME, "updated_at": DATE_TIME, "first_response_due_at": WHEN,
        "resolution_due_at": WHEN, "due_at": WHEN, "overdue": BOOLEAN, "due_soon": BOOLEAN,
        "first_response_breached": BOOLEAN, "resolution_breached": BOOLEAN,
    }, description="due_at is the next SLA deadline; overdue once it has passed, due_soon within the hour before"),
    "TicketList": obj({"tickets": array(ref("Ticket")), "next_cursor": TEXT}),
    "Attachment": obj({"id": ROW_ID, "filename": STRING, "content_type": STRING, "size": INTEGER}),
    "Message": obj({
        "id": ROW_ID, "kind": enum(*ENTRY_KINDS), "body": STRING, "author": STRING, "created_at": DATE_TIME,
        "delivery_status": TEXT, "attachments": array(ref("Attachment")),
    }, description="delivery_status is set on replies (queued, sent, bounced, failed)"),
    "TimelineItem": obj({"at": WHEN, "kind": enum(*TIMELINE_KINDS), "label": STRING, "details": ANY_OBJECT}),
    "Customer": obj({
        "email": TEXT, "name": TEXT,
        "other_orders": array(obj({"id": INTEGER, "name": TEXT, "created_at": WHEN, "status": STRING})),
        "other_tickets": array(obj({"id": ROW_ID, "reason": STRING, "status": enum(*STATUSES),
                                    "created_at": DATE_TIME})),
    }),
    "Csat": obj({"rating": INTEGER, "comment": TEXT, "at": WHEN}),
    "TicketDetail": {"allOf": [ref("Ticket"), obj({
        "messages": array(ref("Message")), "timeline": array(ref("TimelineItem")), "customer": ref("Customer"),
        "refund_prompt": nullable(ref("RefundPrompt")), "csat": nullable(ref("Csat")),
    })]},
    "TicketChanges": obj(optional={
        "status": enum(*STATUSES), "priority": enum(*PRIORITIES), "assignee_id": nullable(ROW_ID),
        "tags": array(TAG, maxItems=20),
    }, closed=True),
    "NewMessage": obj({"kind": enum("reply", "note")}, {
        "body": {"type": "string", "minLength": 1, "maxLength": 20000},
        "canned_reply_id": ROW_ID,
    }, closed=True, description="a reply is emailed to the customer; a note stays internal. Without a body, "
                                "the canned reply is filled in for the ticket"),
    "BulkChange": obj({"ids": array(ROW_ID, minItems=1, maxItems=100),
                       "changes": {"allOf": [ref("TicketChanges")], "minProperties": 1}}, closed=True),
    "BulkResult": obj({"updated": INTEGER}),
    "StaffMember": obj({"id": ROW_ID, "user_id": INTEGER, "name": TEXT, "email": TEXT, "display_name": STRING,
                        "last_seen_at": DATE_TIME}),
    "StaffList": obj({"staff": array(ref("StaffMember"))}),
    "StaffChanges": obj(optional={"name": nullable({"type": "string", "maxLength": 200}), "email": TEXT},
                        closed=True),
    "CannedReply": obj({"id": ROW_ID, "title": STRING, "body": STRING, "created_at": DATE_TIME,
                        "updated_at": DATE_TIME}),
    "CannedReplyList": obj({"canned_replies": array(ref("CannedReply"))}),
    "NewCannedReply": obj({"title": {"type": "string", "minLength": 1, "maxLength": 120},
                           "body": {"type": "string", "minLength": 1, "maxLength": 20000}}, closed=True),
    "CannedReplyChanges": obj(optional={"title": {"type": "string", "minLength": 1, "maxLength": 120},
                                        "body": {"type": "string", "minLength": 1, "maxLength": 20000}},
                              closed=True),
    "CannedReplyPreview": obj({"ticket_id": ROW_ID, "body": STRING}),
    "Metrics": obj({
        "from": DATE_TIME, "to": DATE_TIME, "timezone": STRING,
        "first_response": PERCENTILES, "resolution": PERCENTILES, "sla_met_pct": nullable(NUMBER),
        "volume_by_reason": {"type": "object", "additionalProperties": INTEGER},
        "volume_by_day": array(obj({"date": DATE, "reason": STRING, "count": INTEGER})),
        "csat": obj({"count": INTEGER, "average": nullable(NUMBER)}),
        "breaches": obj({"first_response": INTEGER, "resolution": INTEGER}),
        "open": INTEGER, "overdue": INTEGER,
    }),
}

POLICY = obj({"kind": STRING, "text": STRING})
WINDOW = {"ship_from": DATE, "ship_by": DATE, "deliver_from": nullable(DATE), "deliver_to": nullable(DATE),
          "adjustments": array({})}
RUN = obj({
    "id": ROW_ID, "kind": STRING, "status": STRING, "running": BOOLEAN, "since": WHEN, "pages": INTEGER,
    "orders_seen": INTEGER, "orders_applied": INTEGER, "total_estimate": nullable(INTEGER), "started_at": WHEN,
    "finished_at": WHEN, "resumes_at": WHEN, "error": TEXT,
})
DAYS = obj({"median": nullable(NUMBER), "p90": nullable(NUMBER)})

SHOP = {
    "Promise": obj({**WINDOW, "locale": STRING, "text": STRING, "policies": array(POLICY), "computed_at": DATE_TIME}),
    "PromisePreview": obj({**WINDOW, "text": STRING, "policies": array(POLICY)}),
    "Order": obj({
        "id": INTEGER, "name": TEXT, "email": TEXT, "financial_status": TEXT, "fulfillment_status": TEXT,
        "cancelled_at": WHEN, "tags": array({}), "currency": TEXT, "total_price": nullable(MONEY),
        "customer_locale": TEXT, "destination_country": TEXT, "created_at": WHEN, "updated_at": WHEN,
        "promise": nullable(ref("Promise")),
        "notices": array(obj({"reason": STRING, "sent_at": WHEN, "locale": STRING, "status": STRING})),
        "fulfillments": array(obj({
            "id": INTEGER, "status": TEXT, "shipment_status": TEXT, "tracking_company": TEXT, "tracking_number": TEXT,
            "events": array(obj({"status": TEXT, "happened_at": WHEN})),
        })),
    }),
    "RefundPrompt": obj({
        "id": ROW_ID, "order_id": INTEGER, "order_name": TEXT, "trigger": STRING, "recommended": STRING,
        "amount": nullable(MONEY), "currency": TEXT, "expected_chargeback_cost": nullable(MONEY),
        "rationale": ANY_OBJECT, "status": enum(*PROMPT_STATUSES), "created_at": DATE_TIME, "refund_id": TEXT,
        "error": TEXT, "note": TEXT,
    }),
    "RefundPromptList": obj({"prompts": array(ref("RefundPrompt"))}),
    "Refunded": obj({"status": enum("refunded"), "refund_id": TEXT}),
    "RefundFailed": obj({"status": STRING, "error": TEXT, "retryable": BOOLEAN}),
    "PromptStatus": obj({"status": enum(*PROMPT_STATUSES)}),
    "DisputeRatio": obj({
        "month": STRING, "orders": INTEGER, "disputes": INTEGER, "chargebacks": INTEGER, "ratio": NUMBER,
        "thresholds": array(obj({"programme": STRING, "ratio": NUMBER, "min_count": INTEGER})),
        "headroom": array(obj({"programme": STRING, "disputes_left": INTEGER})),
    }),
    "EvidencePack": obj({
        "dispute": obj({"id": INTEGER, "type": TEXT, "reason": TEXT, "status": TEXT, "amount": nullable(MONEY),
                        "currency": TEXT, "initiated_at": WHEN, "evidence_due_by": WHEN}),
        "order": nullable(ANY_OBJECT), "promise": nullable(ANY_OBJECT), "fulfillments": array(ANY_OBJECT),
        "delivery": nullable(ANY_OBJECT), "notices": array(ANY_OBJECT), "refunds": array(ANY_OBJECT),
        "messages": array(obj({"at": WHEN, "direction": STRING, "author": STRING, "body": STRING})),
    }),
    "DelayStats": obj({
        "group": enum("supplier", "carrier"), "from": DATE_TIME, "to": DATE_TIME,
        "groups": array(obj({
            "group": STRING, "orders": INTEGER, "processing_days": DAYS, "transit_days": DAYS,
            "on_time_dispatch_rate": nullable(NUMBER), "on_time_delivery_rate": nullable(NUMBER),
            "open_delay_tickets": INTEGER,
        })),
    }),
    "WebhookEvents": obj({"events": array(obj({
        "id": INTEGER, "webhook_id": STRING, "topic": STRING, "status": enum(*EVENT_STATUSES),
        "attempts": INTEGER, "error": TEXT, "received_at": WHEN,
    }))}),
    "ReconcileStatus": obj({"backfill": nullable(RUN), "latest": nullable(RUN), "orders_applied_total": INTEGER}),
    "StorefrontPromise": obj({"text": STRING, "locale": STRING, "ship_by": nullable(DATE),
                              "deliver_from": nullable(DATE), "deliver_to": nullable(DATE),
                              "policies": array(POLICY)}, {"provisional": BOOLEAN}),
}

ERRORS = {
    "FieldErrors": obj({"errors": {"type": "object", "additionalProperties": STRING}},
                       description="a message per field at fault (\"\" for the body as a whole)"),
    "Error": obj({"error": STRING}),
}

SETTING_TYPES = {"timezone": STRING, "cutoff": STRING, "origin_country": STRING, "processing_days": array(INTEGER),
                 "weekend": array(STRING), "closed_dates": array(STRING), "transit": array(ANY_OBJECT),
                 "suppliers": array(ANY_OBJECT)}
JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"),
              (dict, "object"))


def _section(key: str, default) -> dict:
    """A section's schema: listed above, else the JSON type of its default (any type without one)."""
    if key in SETTING_TYPES:
        return SETTING_TYPES[key]
    return next(({"type": name} for kind, name in JSON_TYPES if isinstance(default, kind)), {})


def settings() -> dict:
    """The settings document: every section the validator knows."""
    from shop_plugin.promises import settings as rules

    sections = {key: _section(key, rules.DEFAULTS.get(key)) for key in {**rules.DEFAULTS, **rules.CHECKS}}
    return {
        "SettingsDocument": obj(optional={key: sections[key] for key in rules.CHECKS}, closed=True,
                                description="sections to set; each is validated, and none is saved on any error"),
        "Settings": obj({"settings": obj({key: sections[key] for key in rules.DEFAULTS}), "version": INTEGER}),
    }
