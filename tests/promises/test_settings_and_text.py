"""Settings validation names the field at fault; customer text is localized and template-safe."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from shop_plugin.promises.settings import defaults, validate
from shop_plugin.promises.text import language, policy_blocks, promise_text
from shop_plugin.promises.window import Item, order_window


def test_an_empty_document_keeps_every_default():
    settings, errors = validate({})
    assert errors == {} and settings == defaults()


def test_given_keys_replace_defaults_and_others_stay():
    settings, errors = validate({"cutoff": "09:30", "transit": [{"countries": ["KR"], "days": [2, 4]}]})
    assert errors == {}
    assert settings["cutoff"] == "09:30" and settings["processing_days"] == defaults()["processing_days"]


@pytest.mark.parametrize("document,path", [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"cutoff": "25:00"}, "cutoff"),
    ({"processing_days": [5, 2]}, "processing_days"),
    ({"processing_days": [1]}, "processing_days"),
    ({"origin_country": "China"}, "origin_country"),
    ({"weekend": ["sat", "sunday"]}, "weekend"),
    ({"weekend": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}, "weekend"),
    ({"closed_dates": ["2027-02-14/2027-02-05"]}, "closed_dates.0"),
    ({"closed_dates": ["ok", "2027-01-01"]}, "closed_dates.0"),
    ({"transit": [{"countries": ["kr"], "days": [1, 2]}]}, "transit.0.countries"),
    ({"transit": [{"countries": ["KR"], "days": [3, 1]}]}, "transit.0.days"),
    ({"suppliers": [{"vendor": "A", "tag": "b"}]}, "suppliers.0"),
    ({"suppliers": [{"vendor": "A", "processing_days": [9, 1]}]}, "suppliers.0.processing_days"),
    ({"policies": {"returns_days": -1}}, "policies.returns_days"),
    ({"policies": {"customs": {"countries": ["usa"]}}}, "policies.customs.countries.0"),
    ({"texts": {"ko": {"nonsense": "x"}}}, "texts.ko"),
    ({"colour": "blue"}, "colour"),
])
def test_invalid_fields_are_reported_by_path(document, path):
    _, errors = validate(document)
    assert path in errors, errors


@pytest.mark.parametrize("value", ["20270205", "2027-W05-5", "2027-02-05/", "2027-036", "2027-02-05T00:00",
                                   " 2027-02-05", "2027-02-05/20270214", "2027-2-5", "２０２７-02-05"])
def test_closed_dates_are_only_yyyy_mm_dd_or_a_range_of_two(value):
    _, errors = validate({"closed_dates": ["2027-02-05/2027-02-14", value]})
    assert set(errors) == {"closed_dates.1"}, errors


def test_a_weekend_day_listed_twice_is_refused():
    assert set(validate({"weekend": ["sat", "sat"]})[1]) == {"weekend"}
    assert set(validate({"suppliers": [{"tag": "x", "weekend": ["sun", "sun"]}]})[1]) == {"suppliers.0.weekend"}
    assert validate({"weekend": []})[1] == {} and validate({"weekend": ["fri"]})[1] == {}


def test_every_error_is_reported_at_once():
    _, errors = validate({"cutoff": "x", "origin_country": "x", "weekend": "x"})
    assert set(errors) == {"cutoff", "origin_country", "weekend"}


WINDOW = order_window(defaults(), datetime(2026, 11, 24, 1, tzinfo=ZoneInfo("UTC")), "KR", [Item()])


def test_the_text_is_written_in_the_customers_language_with_babel_dates():
    assert "December" in promise_text(WINDOW, defaults(), "en-US")
    assert "발송" in promise_text(WINDOW, defaults(), "ko") and "년" in promise_text(WINDOW, defaults(), "ko-KR")
    assert "Dikirim" in promise_text(WINDOW, defaults(), "id") and "Desember" in promise_text(WINDOW, defaults(), "id")


def test_an_unknown_language_falls_back_to_english_with_its_own_date_format():
    text = promise_text(WINDOW, defaults(), "zh-TW")
    assert text.startswith("Ships by") and "年" in text
    assert language(None) == language("xx") == "en"


def test_merchant_templates_override_the_wording_and_cannot_reach_objects():
    settings, errors = validate({"texts": {"en": {"window": "Out by {ship_by} {__class__} {0.__init__}"}}})
    assert errors == {}
    text = promise_text(WINDOW, settings, "en")
    assert text.startswith("Out by ") and "{__class__} {0.__init__}" in text


def test_policies_come_in_the_customers_language_and_customs_only_where_it_applies():
    settings, _ = validate({"policies": {"returns_days": 14, "refund": {"en": "Full refund.", "ko": "전액 환불."},
                                         "customs": {"countries": ["US"], "text": {"en": "Duties may apply."}}}})
    korean = policy_blocks(settings, "ko", "KR")
    assert [b["kind"] for b in korean] == ["returns", "refund"] and korean[1]["text"] == "전액 환불."
    assert "14" in korean[0]["text"]
    american = policy_blocks(settings, "en", "US")
    assert [b["kind"] for b in american] == ["returns", "customs", "refund"]
    assert policy_blocks(settings, "id", "US")[2]["text"] == "Full refund."  # en fallback


def test_several_holidays_in_one_country_are_named_in_one_sentence():
    settings, _ = validate({"transit": [{"countries": ["*"], "days": [7, 30]}]})
    window = order_window(settings, datetime(2026, 11, 24, 9, tzinfo=ZoneInfo("UTC")), "US", [Item()])
    holidays = [a for a in window.adjustments if a["kind"] == "holiday" and a["country"] == "US"]
    assert len(holidays) >= 2, "the window crosses Thanksgiving and Christmas"
    text = promise_text(window, settings, "en")
    assert text.count("Public holidays in United States") == 1
    assert "Nov 26, 2026" in text and "Dec 25, 2026" in text


@pytest.mark.parametrize("locale, expected", [
    ("pt-BR", "Reembolso (Brasil)"), ("pt_BR", "Reembolso (Brasil)"), ("pt-PT", "Reembolso"),
    ("pt", "Reembolso"), ("ko-KR", "환불"), ("fr", "Refunds"), (None, "Refunds"),
])
def test_a_policy_is_shown_in_the_customers_locale_then_language_then_english(locale, expected):
    """A merchant may write a policy for a region (pt-BR), as the settings page suggests."""

    settings, errors = validate({"policies": {"refund": {"en": "Refunds", "ko": "환불", "pt": "Reembolso",
                                                         "pt-BR": "Reembolso (Brasil)"}}})
    assert errors == {}
    assert [b["text"] for b in policy_blocks(settings, locale, "KR") if b["kind"] == "refund"] == [expected]


@pytest.mark.parametrize("locale, expected", [
    ("pt-BR", "Envio (Brasil) até"), ("pt_BR", "Envio (Brasil) até"), ("pt-PT", "Envio até"), ("pt", "Envio até"),
    ("ko-KR", "(KR)"), ("ko", "(KR)"), ("fr", "Out by"), ("id", "Dikirim"), (None, "Out by"),
])
def test_merchant_wording_is_used_for_the_customers_locale_then_language_then_english(locale, expected):
    """A merchant may write wording for a region (pt-BR, ko-KR): it reaches that region's customers
    (and the language's others when it is the only one), the built-in wording still comes before English."""
    settings, errors = validate({"texts": {
        "pt-BR": {"window": "Envio (Brasil) até {ship_by}.", "returns": "Devolução (Brasil): {days} dias."},
        "pt": {"window": "Envio até {ship_by}."}, "ko-KR": {"window": "{ship_by} 발송 (KR)."},
        "en": {"window": "Out by {ship_by}."}}})
    assert errors == {}
    assert expected in promise_text(WINDOW, settings, locale)


def test_wording_given_only_for_a_region_sets_the_language_of_the_promise():
    settings, _ = validate({"texts": {"pt-BR": {"window": "Envio até {ship_by}.",
                                                "returns": "Devolução em {days} dias."}}})
    assert promise_text(WINDOW, settings, "pt-BR").startswith("Envio até ")
    assert language("pt-BR", settings) == language("pt", settings) == "pt"
    assert policy_blocks(settings, "pt-BR", "KR")[0]["text"] == "Devolução em 30 dias."
    assert language("pt-BR") == "en"
