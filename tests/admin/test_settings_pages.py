"""Settings pages: support hours and SLA targets as fields, canned replies, sections as JSON; errors by field."""
from __future__ import annotations

import json
import re

from shop_plugin.extensions import session
from shop_plugin.promises import service as promises
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


def test_a_section_is_saved_as_json_keeping_the_other_sections(app, installed):
    submit(installed, "/settings/support", {**SUPPORT, "version": "0"})
    document = json.dumps({"delay_rules": {"stalled": {"enabled": True, "days": 5}}})
    response = submit(installed, "/settings/delays", {"document": document, "version": "1"})
    assert response.status_code == 302
    assert saved(app)["delay_rules"] == {"stalled": {"enabled": True, "days": 5}}
    assert saved(app)["support_hours"]["start"] == "10:00"
    html = html_of(page(installed, "/settings/delays"))
    assert "&#34;days&#34;: 5" in html and "Defaults" in html


def test_section_errors_name_the_field_path(app, installed):
    bad = json.dumps({"refund_rules": {"partial_share": "2", "probabilities": {"inquiry": "7"}}})
    response = submit(installed, "/settings/refunds", {"document": bad, "version": "0"})
    assert response.status_code == 422
    html = html_of(response)
    assert "refund_rules.partial_share" in html and "refund_rules.probabilities.inquiry" in html
    assert "must be between 0 and 1" in html
    for document, message in (("{not json", "is not valid JSON"), ("[1]", "must be a JSON object"),
                              (json.dumps({"sla": {}}), "belongs to another section")):
        assert message in html_of(submit(installed, "/settings/refunds", {"document": document, "version": "0"}))
    assert saved(app) == {}


def test_the_shipping_rules_form_saves_and_the_preview_uses_them(app, installed):
    document = json.dumps({"transit": [{"countries": ["KR"], "days": [2, 3]}], "cutoff": "12:00"})
    response = submit(installed, "/settings", {"document": document, "version": "0"})
    assert response.status_code == 302
    assert effective(app)["cutoff"] == "12:00"
    html = html_of(page(installed, "/settings", country="KR", ordered_at="2027-02-03T10:00"))
    assert 'id="preview-text"' in html and "Saved." not in html
    response = submit(installed, "/settings", {"document": json.dumps({"cutoff": "25:00"}), "version": "1"})
    assert response.status_code == 422 and "must be HH:MM" in html_of(response)


def test_merchant_text_in_a_section_is_escaped(app, installed):
    evil = '</textarea><script>alert(1)</script>'
    submit(installed, "/settings/policies", {"document": json.dumps({"policies": {"refund": {"en": evil}}}),
                                             "version": "0"})
    html = html_of(page(installed, "/settings/policies"))
    assert "<script>alert(1)" not in html and "&lt;/textarea&gt;&lt;script&gt;" in html


def test_settings_pages_link_to_every_section(installed):
    html = html_of(page(installed, "/settings"))
    for label in ("Shipping rules", "Support hours &amp; SLA", "Canned replies", "Policies", "Notification templates",
                  "Delay rules", "Auto-tag rules", "Refund rules", "Customer choice"):
        assert f">{label}</a>" in html
