"""What each settings page edits, as fields (see admin/fields.py): the shipping rules and the sections
later domains added (policies, notification templates, delay rules, tag rules, refund rules, customer
choice). Support hours and canned replies have pages of their own."""
from __future__ import annotations

from dataclasses import dataclass

from shop_plugin.admin.fields import Field, Locales, Rows, Spec
from shop_plugin.delays.rules import DEFAULT_RULES
from shop_plugin.notify import wording as notices
from shop_plugin.promises.calendar import WEEKDAYS
from shop_plugin.promises.settings import DEFAULTS
from shop_plugin.promises.text import BUILT_IN, TEMPLATE_NAMES
from shop_plugin.refunds.choice_settings import DEFAULT_CHOICE
from shop_plugin.refunds.cost import AUTOMATIC_TRIGGERS, DEFAULT_REFUND_RULES


@dataclass(frozen=True)
class Section:
    title: str
    about: str
    keys: tuple[str, ...]  # the settings keys the page replaces on save
    fields: tuple[Spec, ...]


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


DAYS = (("mon", "Mon"), ("tue", "Tue"), ("wed", "Wed"), ("thu", "Thu"), ("fri", "Fri"), ("sat", "Sat"), ("sun", "Sun"))
assert tuple(d for d, _ in DAYS) == WEEKDAYS

SHIPPING = Section(
    "Shipping rules", "Time zone, cut-off, processing and transit days, supplier rules and closures.",
    ("timezone", "cutoff", "processing_days", "origin_country", "weekend", "closed_dates", "transit", "suppliers"),
    (
        Field("timezone", "Time zone", help="IANA name, e.g. Asia/Seoul: cut-off and dates are counted here.",
              maxlength=64),
        Field("cutoff", "Order cut-off", "time", help="Orders after this time start processing the next working day."),
        Field("processing_days", "Processing days", "range", help="Working days at the supplier before dispatch."),
        Field("origin_country", "Ships from", "code", help="Two-letter country code; its public holidays count.",
              maxlength=2),
        Field("weekend", "Weekend", "choices", options=DAYS, help="Days the supplier does not work."),
        Field("closed_dates", "Closed dates", "lines",
              help="One per line: 2027-02-08 or a range 2027-02-08/2027-02-15 (Lunar New Year, stock-taking…)."),
        Rows("transit", "Transit times", (
            Field("countries", "Countries", "codes", help="KR, JP or * for everywhere else"),
            Field("days", "Days in transit", "range"),
        ), help="The first row whose countries include the destination applies; put * last."),
        Rows("suppliers", "Supplier rules", (
            Field("match", "Products", "keyed", options=(("vendor", "Vendor is"), ("tag", "Tagged"))),
            Field("processing_days", "Processing days", "range", optional=True),
            Field("origin_country", "Ships from", "code", optional=True, maxlength=2),
            Field("closed_dates", "Closed dates", "lines", optional=True),
            Field("weekend", "Weekend", "days", optional=True, help="e.g. sun; none; empty: the store's"),
        ), help="Products from this vendor or with this tag use these values instead of the store's. "
                "Empty fields keep the store's."),
    ))


RULE_HELP = {
    "late_dispatch": "Not dispatched by the end of the promised ship-by day.",
    "no_tracking": "A fulfilment without a tracking number this many days after dispatch.",
    "not_picked_up": "A tracking number, but no carrier pickup this many days after the label.",
    "stalled": "In transit with no carrier update for this many days.",
    "delivery_exception": "The carrier reports a failed attempt, a delay or a failure.",
    "past_promise": "Not delivered by the end of the promised delivery day.",
    "likely_lost": "Shipped but still not delivered this many days after the promised day: a refund is suggested "
                   "at once.",
}


def _texts(key: str, label: str, help: str = "") -> Locales:
    return Locales(key, label, help=help)


SECTIONS: dict[str, Section] = {  # url name -> section
    "policies": Section(
        "Policies", "Returns window, refund, customs and support texts shown with the promise.", ("policies",), (
            Field("policies.returns_days", "Returns window (days)", "int",
                  default=DEFAULTS["policies"]["returns_days"]),
            _texts("policies.refund", "Refund policy", "Shown under the promise; one text per language."),
            _texts("policies.support", "How to reach support"),
            Field("policies.customs.countries", "Customs notice for", "codes",
                  help="Destinations where duties may apply, e.g. US, GB."),
            _texts("policies.customs.text", "Customs notice"),
        )),
    "notifications": Section(
        "Notification templates", "Promise wording per language and the order email.", ("texts", "email"), (
            Field("email.enabled", "Send the promise by email after each order", "bool", default=False),
            Field("email.from_name", "Sender name", optional=True, maxlength=100, help="Default: the store's name."),
            Field("email.reply_to", "Reply-to address", optional=True, maxlength=254,
                  help="Default: the store's support inbox."),
            Locales("texts", "Promise and delay-notice wording", names=TEMPLATE_NAMES + notices.MERCHANT_TEXTS,
                    placeholders={lang: {**BUILT_IN.get(lang, {}), **notices.MERCHANT_PLACEHOLDERS.get(lang, {})}
                                  for lang in {*BUILT_IN, *notices.MERCHANT_PLACEHOLDERS}},
                    multiline=False,
                    help="Leave a text empty to use ours (shown greyed). Placeholders: {ship_by}, {deliver_from}, "
                         "{deliver_to}, {dates}, {country}, {days}; in the notice_… texts (the first sentence of a "
                         "delay email, en/ko/id): {order}, {ship_by}, {deliver_to}."),
        )),
    "delays": Section(
        "Delay rules", "Which delays open tickets and after how many days.", ("delay_rules",), tuple(
            spec for reason, rule in DEFAULT_RULES.items() for spec in (
                Field(f"delay_rules.{reason}.enabled", _words(reason), "bool", default=rule["enabled"],
                      help=RULE_HELP[reason]),
                *((Field(f"delay_rules.{reason}.days", f"{_words(reason)}: after (days)", "int", optional=True,
                         default=rule["days"]),) if "days" in rule else ()),
            ))),
    "tags": Section(
        "Auto-tag rules", "Tags and acknowledgements applied to new customer messages.", ("tag_rules", "auto_ack"), (
            Rows("tag_rules", "Tag rules", (
                Field("tag", "Tag", maxlength=40),
                Field("keywords", "Keywords (one per line)", "lines"),
            ), help="A message containing any keyword (any language, any case) gets the tag."),
            Field("auto_ack.enabled", "Acknowledge new customer messages by email", "bool", default=True),
            _texts("auto_ack.texts", "Acknowledgement text",
                   "Empty: ours, with the promised response time. Variables as in canned replies, "
                   "plus {{ reply_by }}."),
        )),
    "refunds": Section(
        "Refund rules", "Chargeback fee, handling cost, probabilities and automatic refunds.", ("refund_rules",), (
            Field("refund_rules.chargeback_fee", "Chargeback fee", "decimal", optional=True,
                  default=DEFAULT_REFUND_RULES["chargeback_fee"]),
            Field("refund_rules.handling_cost", "Cost of handling a dispute", "decimal", optional=True,
                  default=DEFAULT_REFUND_RULES["handling_cost"]),
            Field("refund_rules.partial_share", "Partial refund share (0–1)", "decimal", optional=True,
                  default=DEFAULT_REFUND_RULES["partial_share"]),
            Field("refund_rules.past_promise_days", "Suggest a refund this many days past the promise", "int",
                  optional=True, default=DEFAULT_REFUND_RULES["past_promise_days"]),
            Field("refund_rules.delivery_exception_days", "…or after a delivery failure lasting (days)", "int",
                  optional=True, default=DEFAULT_REFUND_RULES["delivery_exception_days"]),
            Field("refund_rules.automatic.enabled", "Refund automatically, without asking", "bool", default=False),
            Field("refund_rules.automatic.triggers", "Automatic for", "choices",
                  options=tuple((t, _words(t)) for t in AUTOMATIC_TRIGGERS)),
            Field("refund_rules.automatic.max_order_amount", "Largest order refunded automatically", "decimal",
                  optional=True, default=DEFAULT_REFUND_RULES["automatic"]["max_order_amount"],
                  help="Also caps refunds customers choose."),
            Field("refund_rules.automatic.max_per_day", "Automatic refunds per day at most", "int", optional=True,
                  default=DEFAULT_REFUND_RULES["automatic"]["max_per_day"]),
            *(Field(f"refund_rules.probabilities.{t}", f"Chargeback likelihood: {_words(t).lower()}", "decimal",
                    optional=True, default=p) for t, p in DEFAULT_REFUND_RULES["probabilities"].items()),
        )),
    "customer-choice": Section(
        "Customer choice", "What a customer with a late order may choose.", ("customer_choice",), (
            Field("customer_choice.enabled", "Offer late customers a choice: wait with a discount, or a refund",
                  "bool", default=DEFAULT_CHOICE["enabled"]),
            Field("customer_choice.discount_percent", "Discount for waiting (%)", "int", optional=True,
                  default=DEFAULT_CHOICE["discount_percent"]),
            Field("customer_choice.expires_days", "Offer valid for (days)", "int", optional=True,
                  default=DEFAULT_CHOICE["expires_days"]),
        )),
}
