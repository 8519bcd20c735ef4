"""Settings pages: every section as fields, saved whole, with each error beside its field."""
from __future__ import annotations

import re

from shop_plugin.extensions import session
from shop_plugin.promises import service as promises
from tests.admin.forms import form_values
from tests.admin.support import html_of, page, shop_row, submit, token_of
from tests.admin.support import post as post_form

SUPPORT = {"days": ["mon", "tue", "wed"], "start": "10:00", "end": "17:30", "holidays_country": "kr", "timezone": "",
           **{f"sla.{p}.{k}": v for p, (f, r) in {"urgent": ("1", "8"), "high": ("4", "24"), "normal": ("8", "48"),
                                                   "low": ("24", "96")}.items()
              for k, v in (("first_response_hours", f), ("resolution_hours", r))}}


def saved(app) -> dict:
    with app.app_context():
        from shop_plugin.shops.models import ShopSettings

        row = session().get(ShopSettings, shop_row().id)
        return row.document if row else {}


def effective(app) -> dict:
    with app.app_context():
        return promises.get_settings(session(), shop=shop_row())[0]


def test_support_hours_and_sla_targets_are_saved_from_real_fields(app, installed):
    response = submit(installed, "/settings/support", {**SUPPORT, "sla.urgent.first_response_hours": "0.5",
                                                        "version": "0"})
    assert response.status_code == 302 and "saved=1" in response.headers["Location"]
    document = saved(app)
    assert document["support_hours"] == {"days": ["mon", "tue", "wed"], "start": "10:00", "end": "17:30",
                                         "holidays_country": "KR"}
    assert document["sla"]["urgent"] == {"first_response_hours": 0.5, "resolution_hours": 8}
    html = html_of(page(installed, "/settings/support", saved="1"))
    assert 'value="mon" checked' in html and 'value="sat" checked' not in html and 'value="17:30"' in html
    assert 'name="sla.urgent.first_response_hours" value="0.5"' in html and "Saved." in html


def test_wrong_support_fields_are_shown_next_to_each_field_and_nothing_is_saved(app, installed):
    response = submit(installed, "/settings/support", {**SUPPORT, "start": "18:00", "end": "09:00",
                                                        "sla.high.resolution_hours": "soon", "timezone": "Mars/Base",
                                                        "version": "0"})
    assert response.status_code == 422
    html = html_of(response)
    error = r'\s*<span class="field-error" role="alert">'
    assert re.search(r'name="end" value="09:00"[^>]*>' + error + "must be after start", html)
    assert re.search(r'name="sla.high.resolution_hours" value="soon".*?must be a number of hours', html, re.S)
    assert "must be an IANA time zone" in html
    assert saved(app) == {}


def test_a_form_from_before_another_save_is_refused_as_stale(app, installed):
    token = token_of(page(installed, "/settings/support"))
    assert submit(installed, "/settings/support", {**SUPPORT, "version": "0"}).status_code == 302
    response = post_form(installed, "/settings/support", {**SUPPORT, "start": "08:00", "version": "0",
                                                          "page_token": token})
    assert response.status_code == 422 and "changed since this page was opened" in html_of(response)
    assert saved(app)["support_hours"]["start"] == "10:00"


def test_canned_replies_are_added_edited_and_deleted(app, installed):
    submit(installed, "/settings/canned", {"action": "create", "title": "Where is it",
                                           "body": "Hi {{ customer.name }}, it is on its way."})
    html = html_of(page(installed, "/settings/canned"))
    reply_id = re.search(r"edit=(\d+)", html).group(1)
    assert "Where is it" in html
    edit = html_of(page(installed, "/settings/canned", edit=reply_id))
    assert 'value="Where is it"' in edit and "Hi {{ customer.name }}, it is on its way." in edit
    submit(installed, "/settings/canned", {"action": "update", "id": reply_id, "title": "Tracking",
                                           "body": "Track it at {{ order.status_url }}"})
    html = html_of(page(installed, "/settings/canned"))
    assert "Tracking" in html and "Where is it" not in html
    submit(installed, "/settings/canned", {"action": "delete", "id": reply_id})
    assert "No canned replies yet." in html_of(page(installed, "/settings/canned"))


def test_canned_reply_errors_are_shown_next_to_the_fields(app, installed):
    submit(installed, "/settings/canned", {"action": "create", "title": "Hello", "body": "Hi"})
    response = submit(installed, "/settings/canned", {"action": "create", "title": "Hello", "body": "{{ broken"})
    assert response.status_code == 422
    html = html_of(response)
    assert "another canned reply has this title" in html and "is not a valid template" in html
    assert "{{ broken</textarea>" in html


RICH = {
    "timezone": "Asia/Seoul", "cutoff": "13:30", "processing_days": [1, 2], "origin_country": "CN",
    "weekend": ["sun"], "closed_dates": ["2027-02-08/2027-02-15", "2027-05-01"],
    "transit": [{"countries": ["KR", "JP"], "days": [3, 6]}, {"countries": ["*"], "days": [7, 15]}],
    "suppliers": [{"vendor": "Acme", "processing_days": [3, 5], "weekend": []},
                  {"tag": "fragile", "origin_country": "KR", "closed_dates": ["2027-01-01"]}],
    "policies": {"returns_days": 14, "refund": {"en": "Full refund if lost.", "ko": "분실 시 전액 환불"},
                 "customs": {"countries": ["US"], "text": {"en": "Duties may apply."}}, "support": {}},
    "texts": {"en": {"window": "Ships {ship_by}, arrives {deliver_from}–{deliver_to}."},
              "pt-BR": {"ship_only": "Envio até {ship_by}."}},
    "email": {"enabled": True, "from_name": "Acme Support", "reply_to": "help@acme.example"},
    "delay_rules": {"stalled": {"enabled": True, "days": 5}, "likely_lost": {"enabled": False}},
    "tag_rules": [{"tag": "urgent", "keywords": ["urgent", "급해요"]}],
    "auto_ack": {"enabled": False, "texts": {"en": "Thanks {{ customer.name }}"}},
    "refund_rules": {"chargeback_fee": "20.00", "probabilities": {"inquiry": "0.5"},
                     "automatic": {"enabled": True, "triggers": ["likely_lost"], "max_per_day": 3}},
    "customer_choice": {"enabled": True, "discount_percent": 15},
}
SECTION_PAGES = ("/settings", "/settings/policies", "/settings/notifications", "/settings/delays", "/settings/tags",
                 "/settings/refunds", "/settings/customer-choice")


def the_form(client, path: str) -> dict:
    return form_values(html_of(page(client, path)), path + "?")


def send(client, path: str, values: dict, **changes):
    """Post the page's form as a browser would, with some fields changed (None: unticked/removed)."""
    data = {**values, **{k: v for k, v in changes.items()}}
    return post_form(client, path, {k: v for k, v in data.items() if v is not None})


def save_rich(app) -> None:
    with app.app_context():
        _, errors = promises.save_settings(session(), shop=shop_row(), document=RICH)
        assert errors == {}
        session().commit()


def test_every_section_form_saves_back_what_it_shows(app, installed):
    save_rich(app)
    for path in SECTION_PAGES:
        response = post_form(installed, path, the_form(installed, path))
        assert response.status_code == 302, (path, html_of(response)[:2000])
    expected = {**RICH, "delay_rules": {r: {"enabled": r != "likely_lost", **({"days": 5} if r == "stalled" else {})}
                                        for r in ("late_dispatch", "no_tracking", "not_picked_up", "stalled",
                                                  "delivery_exception", "past_promise", "likely_lost")}}
    assert saved(app) == expected


def test_delay_rules_are_saved_from_fields_keeping_the_other_sections(app, installed):
    submit(installed, "/settings/support", {**SUPPORT, "version": "0"})
    form = the_form(installed, "/settings/delays")
    assert form["delay_rules.stalled.enabled"] == ["1"] and form["delay_rules.stalled.days"] == [""]
    response = send(installed, "/settings/delays", form, **{"delay_rules.stalled.days": "5",
                                                            "delay_rules.likely_lost.enabled": None})
    assert response.status_code == 302 and "saved=1" in response.headers["Location"]
    rules = saved(app)["delay_rules"]
    assert rules["stalled"] == {"enabled": True, "days": 5} and rules["likely_lost"] == {"enabled": False}
    assert rules["no_tracking"] == {"enabled": True} and saved(app)["support_hours"]["start"] == "10:00"
    html = html_of(page(installed, "/settings/delays"))
    assert 'name="delay_rules.stalled.days" value="5" placeholder="7"' in html
    assert 'name="delay_rules.likely_lost.enabled" value="1" aria' not in html.replace(" checked", "x")
    send(installed, "/settings/delays", the_form(installed, "/settings/delays"), **{"delay_rules.stalled.days": ""})
    assert saved(app)["delay_rules"]["stalled"] == {"enabled": True}, "an emptied number goes back to the default"


def test_section_errors_are_shown_beside_their_fields_and_nothing_is_saved(app, installed):
    form = the_form(installed, "/settings/refunds")
    response = send(installed, "/settings/refunds", form, **{
        "refund_rules.partial_share": "2", "refund_rules.probabilities.inquiry": "7",
        "refund_rules.automatic.max_per_day": "many"})
    assert response.status_code == 422
    html = html_of(response)
    beside = r'[^>]*aria-invalid="true"[^>]*>\s*(?:<span class="small muted">[^<]*</span>\s*)?</label>' \
             r'<span class="field-error" id="{}-error" role="alert">{}'
    for name, value, message in (("refund_rules.partial_share", "2", "must be a non-negative decimal"),
                                 ("refund_rules.probabilities.inquiry", "7", "must be between 0 and 1"),
                                 ("refund_rules.automatic.max_per_day", "many", "")):
        assert re.search(f'name="{re.escape(name)}" value="{value}"' + beside.format(re.escape(name), message),
                         html), name
    assert '<ul class="errors"' not in html, "every error has a field to stand beside"
    assert saved(app) == {}


def test_a_row_list_reads_back_rows_and_skips_blank_ones(app, installed):
    form = the_form(installed, "/settings")
    assert form["transit.count"] == ["3"]  # the default rule and two blank rows
    response = send(installed, "/settings", form, **{
        "transit.0.countries": "kr, jp", "transit.0.days.min": "2", "transit.0.days.max": "4",
        "transit.2.countries": "*", "transit.2.days.min": "8", "transit.2.days.max": "20",
        "suppliers.count": "2", "suppliers.1.match.kind": "tag", "suppliers.1.match": "fragile",
        "suppliers.1.processing_days.min": "3", "suppliers.1.processing_days.max": "6",
        "suppliers.1.weekend": "none", "action": "save"})
    assert response.status_code == 302, html_of(response)[:3000]
    document = saved(app)
    assert document["transit"] == [{"countries": ["KR", "JP"], "days": [2, 4]}, {"countries": ["*"], "days": [8, 20]}]
    assert document["suppliers"] == [{"tag": "fragile", "processing_days": [3, 6], "weekend": []}]


def test_a_wrong_row_is_shown_with_its_error_in_place(app, installed):
    form = the_form(installed, "/settings")
    response = send(installed, "/settings", form, **{"transit.1.countries": "korea", "transit.1.days.min": "9",
                                                     "transit.1.days.max": "3", "cutoff": "25:00", "action": "save"})
    assert response.status_code == 422
    html = html_of(response)
    assert re.search(r'name="transit.1.countries" value="KOREA"[^>]*aria-invalid="true"[^>]*>'
                     r'<span class="field-error"[^>]*>must be \[&#34;\*&#34;\] or two-letter', html)
    assert re.search(r'name="transit.1.days.max" value="3"[^>]*aria-invalid="true"[^>]*></span>'
                     r'<span class="field-error"[^>]*>must be \[min, max\]', html)
    assert 'name="cutoff" value="25:00"' in html and "must be HH:MM" in html
    assert saved(app) == {}


def test_the_rules_as_edited_can_be_previewed_without_saving(app, installed):
    form = the_form(installed, "/settings")
    response = send(installed, "/settings", form, **{
        "transit.0.countries": "KR", "transit.0.days.min": "2", "transit.0.days.max": "3",
        "country": "KR", "ordered_at": "2027-02-03T10:00", "action": "preview"})
    assert response.status_code == 200
    html = html_of(response)
    assert 'id="preview-trial"' in html and 'id="preview-text"' in html
    assert 'name="transit.0.countries" value="KR"' in html, "the edited rules stay in the form"
    assert saved(app) == {}
    arrives = re.search(r"<dt>Arrives</dt><dd>([^<]+)</dd>", html).group(1)
    default = html_of(page(installed, "/settings", country="KR", ordered_at="2027-02-03T10:00"))
    assert re.search(r"<dt>Arrives</dt><dd>([^<]+)</dd>", default).group(1) != arrives
    bad = send(installed, "/settings", form, **{"cutoff": "9 am", "action": "preview"})
    assert bad.status_code == 422 and "must be HH:MM" in html_of(bad) and 'id="preview-text"' not in html_of(bad)


def test_texts_per_language_are_read_from_rows_and_a_new_language_can_be_added(app, installed):
    form = the_form(installed, "/settings/policies")
    codes = {k: v[0] for k, v in form.items() if k.startswith("policies.refund.") and k.endswith(".locale")}
    assert sorted(codes.values()) == ["", "en", "id", "ko"]
    new_row = next(k for k, v in codes.items() if v == "").rsplit(".", 1)[0]
    en_row = next(k for k, v in codes.items() if v == "en").rsplit(".", 1)[0]
    response = send(installed, "/settings/policies", form, **{
        f"{en_row}.text": "Refunds within 30 days.", f"{new_row}.locale": "pt-BR",
        f"{new_row}.text": "Reembolso em 30 dias.", "policies.returns_days": "45"})
    assert response.status_code == 302
    policies = saved(app)["policies"]
    assert policies["refund"] == {"en": "Refunds within 30 days.", "pt-BR": "Reembolso em 30 dias."}
    assert policies["returns_days"] == 45
    form = the_form(installed, "/settings/policies")
    pt_row = next(k for k, v in form.items() if k.startswith("policies.refund.") and v == ["pt-BR"])
    response = send(installed, "/settings/policies", form, **{pt_row: "english"})
    assert response.status_code == 422
    assert re.search(r'value="english".*?<span class="field-error" role="alert">is not a locale code',
                     html_of(response), re.S)
    twice = send(installed, "/settings/policies", form, **{pt_row: "en"})
    assert twice.status_code == 422 and "appears twice" in html_of(twice)


def locale_row(form: dict, lang: str) -> str:
    """The form key of the texts row whose locale is `lang` (texts.<i>.locale)."""
    return next(k for k, v in form.items() if k.startswith("texts.") and k.endswith(".locale") and v == [lang])


def test_notification_templates_show_our_wording_until_replaced(app, installed):
    html = html_of(page(installed, "/settings/notifications"))
    assert 'placeholder="{ship_by}까지 발송됩니다.' in html
    form = the_form(installed, "/settings/notifications")
    ko = locale_row(form, "ko")
    response = send(installed, "/settings/notifications", form, **{
        ko.replace(".locale", ".ship_only"): "{ship_by} 발송", "email.enabled": "1",
        "email.reply_to": "not an address"})
    assert response.status_code == 422 and "must be an email address" in html_of(response)
    response = send(installed, "/settings/notifications", form, **{
        ko.replace(".locale", ".ship_only"): "{ship_by} 발송", "email.enabled": "1"})
    assert response.status_code == 302
    assert saved(app)["texts"] == {"ko": {"ship_only": "{ship_by} 발송"}}
    assert saved(app)["email"] == {"enabled": True}


def test_tag_rules_are_edited_as_rows_of_keywords(app, installed):
    form = the_form(installed, "/settings/tags")
    assert form["tag_rules.0.tag"] == ["urgent"] and "급해요" in form["tag_rules.0.keywords"][0]
    count = int(form["tag_rules.count"][0])
    response = send(installed, "/settings/tags", form, **{
        f"tag_rules.{count - 1}.tag": "vip", f"tag_rules.{count - 1}.keywords": "VIP\r\n\r\nloyal customer\r\n",
        "tag_rules.0.tag": "", "tag_rules.0.keywords": "", "auto_ack.enabled": None})
    assert response.status_code == 302
    document = saved(app)
    assert document["tag_rules"][-1] == {"tag": "vip", "keywords": ["VIP", "loyal customer"]}
    assert "urgent" not in [r["tag"] for r in document["tag_rules"]] and document["auto_ack"]["enabled"] is False
    bad = send(installed, "/settings/tags", the_form(installed, "/settings/tags"), **{"tag_rules.0.tag": "Not A Tag"})
    assert bad.status_code == 422 and "must be a tag" in html_of(bad)


def test_a_section_form_from_before_another_save_is_refused_as_stale(app, installed):
    form = the_form(installed, "/settings/customer-choice")
    assert send(installed, "/settings/customer-choice", form, **{"customer_choice.enabled": "1"}).status_code == 302
    response = send(installed, "/settings/customer-choice", form, **{"customer_choice.discount_percent": "50"})
    assert response.status_code == 422 and "changed since this page was opened" in html_of(response)
    assert saved(app)["customer_choice"] == {"enabled": True}


def test_merchant_text_in_a_section_is_escaped(app, installed):
    evil = '</textarea><script>alert(1)</script>'
    form = the_form(installed, "/settings/policies")
    en = next(k for k, v in form.items() if k.startswith("policies.refund.") and v == ["en"])
    assert send(installed, "/settings/policies", form, **{en.replace(".locale", ".text"): evil}).status_code == 302
    html = html_of(page(installed, "/settings/policies"))
    assert "<script>alert(1)" not in html and "&lt;/textarea&gt;&lt;script&gt;" in html


def test_settings_pages_link_to_every_section(installed):
    html = html_of(page(installed, "/settings"))
    for label in ("Shipping rules", "Support hours &amp; SLA", "Canned replies", "Policies", "Notification templates",
                  "Delay rules", "Auto-tag rules", "Refund rules", "Customer choice"):
        assert f">{label}</a>" in html


def test_delay_notice_wording_is_offered_and_saved_beside_the_promise_wording(app, installed):
    html = html_of(page(installed, "/settings/notifications"))
    assert 'placeholder="Your order has not left our supplier yet; it was due to ship by {ship_by}."' in html
    form = the_form(installed, "/settings/notifications")
    en = locale_row(form, "en")
    response = send(installed, "/settings/notifications", form, **{
        en.replace(".locale", ".notice_stalled"): "Our carrier {order} is slow this week."})
    assert response.status_code == 302
    assert saved(app)["texts"] == {"en": {"notice_stalled": "Our carrier {order} is slow this week."}}


def test_a_trial_preview_reads_the_order_time_in_the_time_zone_being_tried(app, installed):
    """Saved in Seoul, tried in Los Angeles: an order at 15:00 on Wednesday in Los Angeles is past its
    14:00 cut-off and ships Friday; read in Seoul it would be Tuesday evening there and ship Thursday."""
    form = the_form(installed, "/settings")
    edits = {"timezone": "America/Los_Angeles", "origin_country": "US", "processing_days.min": "1",
             "processing_days.max": "1"}
    assert form["timezone"] == ["Asia/Seoul"]  # the store's, from Shopify at install
    order = {"country": "KR", "ordered_at": "2027-02-03T15:00"}
    trial = html_of(send(installed, "/settings", form, **edits, **order, action="preview"))
    assert send(installed, "/settings", form, **edits).status_code == 302
    saved_then_shown = html_of(page(installed, "/settings", **order))
    ships = re.compile(r"<dt>Ships</dt><dd>([^<]+)</dd>")
    assert ships.search(trial).group(1) == ships.search(saved_then_shown).group(1) == "2027-02-05 – 2027-02-05"
