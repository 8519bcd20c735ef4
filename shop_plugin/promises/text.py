"""The promise in the customer's words: built-in en/ko/id wording, merchant overrides,
dates formatted by Babel for the customer's locale. Plain text; escaping is the renderer's job."""
from __future__ import annotations

import re
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval
from babel.lists import format_list

from shop_plugin.promises.window import Window

TEMPLATE_NAMES = ("window", "ship_only", "closure", "holiday", "returns")
BUILT_IN = {
    "en": {
        "window": "Ships by {ship_by}. Estimated delivery: {deliver_from} – {deliver_to}.",
        "ship_only": "Ships by {ship_by}.",
        "closure": "Our supplier is closed {dates}; this is included.",
        "holiday": "Public holidays in {country} ({dates}) are included.",
        "returns": "Returns are accepted within {days} days of delivery.",
    },
    "ko": {
        "window": "{ship_by}까지 발송됩니다. 예상 도착일: {deliver_from} ~ {deliver_to}.",
        "ship_only": "{ship_by}까지 발송됩니다.",
        "closure": "공급업체 휴무 기간({dates})이 반영되었습니다.",
        "holiday": "{country} 공휴일({dates})이 반영되었습니다.",
        "returns": "배송 완료 후 {days}일 이내에 반품하실 수 있습니다.",
    },
    "id": {
        "window": "Dikirim paling lambat {ship_by}. Perkiraan tiba: {deliver_from} – {deliver_to}.",
        "ship_only": "Dikirim paling lambat {ship_by}.",
        "closure": "Pemasok kami libur {dates}; sudah diperhitungkan.",
        "holiday": "Hari libur nasional di {country} ({dates}) sudah diperhitungkan.",
        "returns": "Pengembalian diterima dalam {days} hari setelah barang diterima.",
    },
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _primary(locale: str | None) -> str:
    return (locale or "en").replace("_", "-").split("-")[0].lower()


def language(locale: str | None, settings: dict | None = None) -> str:
    """The language we write in: the customer's if built in or given by the merchant (for the language
    or one of its regions), else en."""
    lang = _primary(locale)
    merchant = (settings or {}).get("texts", {})
    return lang if lang in BUILT_IN or any(_primary(key) == lang for key in merchant) else "en"


def order_language(order, settings: dict | None = None) -> str | None:
    """The language of the order's customer (as `language` finds it); None without an order or a
    customer locale on it."""
    return language(order.customer_locale, settings) if order is not None and order.customer_locale else None


def babel_locale(locale: str | None) -> Locale:
    try:
        return Locale.parse((locale or "en").replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def fill(template: str, values: dict[str, str]) -> str:
    """Replace {name} with known values only; nothing in a template can run or reach attributes."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def merchant_text(settings: dict, locale: str | None, name: str) -> str | None:
    """The merchant's wording `name` (settings `texts`) for the customer's locale, as `_in_language`
    finds it; None if they gave none in that language."""
    return _in_language({key: names.get(name) for key, names in settings.get("texts", {}).items()}, locale)


def template(settings: dict, locale: str | None, name: str) -> str:
    """The merchant's wording for the customer's locale, else the built-in wording of its language,
    else the merchant's English, else the built-in English."""
    return (merchant_text(settings, locale, name) or BUILT_IN.get(_primary(locale), {}).get(name)
            or merchant_text(settings, "en", name) or BUILT_IN["en"][name])


def promise_text(window: Window, settings: dict, locale: str | None) -> str:
    """One or more sentences: the window, then each holiday or closure that moved it."""
    babel = babel_locale(locale)
    day = lambda d: format_date(d, format="long", locale=babel)  # noqa: E731
    values = {"ship_by": day(window.ship_by), "ship_from": day(window.ship_from)}
    if window.deliver_to:
        values.update(deliver_from=day(window.deliver_from), deliver_to=day(window.deliver_to))
    sentences = [fill(template(settings, locale, "window" if window.deliver_to else "ship_only"), values)]
    groups: dict[tuple, list[dict]] = {}  # one sentence per kind and country, its dates listed in it
    for adj in window.adjustments:
        groups.setdefault((adj["kind"], adj["country"] or ""), []).append(adj)
    for (kind, code), adjs in groups.items():
        spans = [(date.fromisoformat(a["from"]), date.fromisoformat(a["to"])) for a in adjs]
        short = len(spans) > 1
        dates = format_list([_span(start, end, babel, short) for start, end in spans], locale=babel)
        sentences.append(fill(template(settings, locale, kind), {
            "dates": dates, "from": day(spans[0][0]), "to": day(spans[-1][1]),
            "country": babel.territories.get(code, code), "name": ", ".join(a["name"] for a in adjs if a["name"])}))
    return " ".join(sentences)


def _span(start: date, end: date, babel, short: bool) -> str:
    if start == end:
        return format_date(start, format="medium" if short else "long", locale=babel)
    return format_interval(start, end, "yMMMd", locale=babel)


def _in_language(texts: dict, locale: str | None) -> str | None:
    """The merchant's text for the customer's locale: the exact tag (pt-BR), else its language (pt),
    else another region of that language (pt-PT); None if there is none in that language."""
    tag, primary = (locale or "en").replace("_", "-").lower(), _primary(locale)
    by_tag = {key.replace("_", "-").lower(): text for key, text in texts.items() if text}
    return by_tag.get(tag) or by_tag.get(primary) or next(
        (text for key, text in by_tag.items() if key.split("-")[0] == primary), None)


def _localized(texts: dict, locale: str | None) -> str | None:
    """The merchant's text for the customer's locale (as `_in_language` finds it), else English."""
    return _in_language(texts, locale) or _in_language(texts, "en")


def policy_blocks(settings: dict, locale: str | None, country: str | None) -> list[dict]:
    """The store's policies for this customer: returns, refund, customs (if it applies), support."""
    policies = settings["policies"]
    blocks = [{"kind": "returns", "text": fill(template(settings, locale, "returns"),
                                                {"days": str(policies.get("returns_days", 30))})}]
    for kind in ("refund", "support"):
        text = _localized(policies.get(kind, {}), locale)
        if text:
            blocks.append({"kind": kind, "text": text})
    customs = policies.get("customs", {})
    if country and country.upper() in customs.get("countries", []):
        text = _localized(customs.get("text", {}), locale)
        if text:
            blocks.insert(1, {"kind": "customs", "text": text})
    return blocks
