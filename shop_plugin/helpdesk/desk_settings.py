"""The desk's settings sections: tag rules for customer messages and the automatic acknowledgement."""
from __future__ import annotations

from shop_plugin.validation import Errors

MAX_RULES, MAX_KEYWORDS, MAX_KEYWORD = 50, 100, 100
DEFAULT_TAG_RULES: list[dict] = [
    {"tag": "urgent", "keywords": [
        "urgent", "asap", "as soon as possible", "emergency",
        "급해요", "급합니다", "긴급", "급한",
        "segera", "mendesak", "darurat"]},
    {"tag": "not-received", "keywords": [
        "not received", "haven't received", "have not received", "didn't receive", "did not receive",
        "never arrived", "hasn't arrived", "has not arrived", "not arrived", "not delivered", "where is my order",
        "못 받았", "받지 못했", "안 왔", "배송 안 됨", "배송이 안", "도착 안", "도착하지 않",
        "belum sampai", "belum diterima", "belum datang", "belum terima", "tidak sampai"]},
    {"tag": "damaged", "keywords": [
        "damaged", "broken", "cracked", "defective",
        "파손", "깨졌", "깨져", "부서졌", "불량",
        "rusak", "pecah", "cacat"]},
    {"tag": "wrong-item", "keywords": [
        "wrong item", "wrong product", "wrong size", "wrong colour", "wrong color", "not what i ordered",
        "다른 상품", "잘못 온", "잘못 왔", "잘못 배송", "오배송",
        "salah barang", "barang salah", "salah kirim", "bukan yang saya pesan"]},
    {"tag": "refund", "keywords": [
        "refund", "money back",
        "환불",
        "pengembalian dana", "uang kembali"]},
    {"tag": "cancel", "keywords": [
        "cancel",
        "취소",
        "batal"]},
]
DEFAULT_AUTO_ACK: dict = {"enabled": True, "texts": {}}


def check_tag_rules(errors: Errors, path: str, value) -> None:
    from shop_plugin.helpdesk.actions import TAG

    if not errors.check(isinstance(value, list) and len(value) <= MAX_RULES, path,
                        f"must be a list of up to {MAX_RULES} {{\"tag\", \"keywords\"}} rules"):
        return
    for i, rule in enumerate(value):
        at = f"{path}.{i}"
        if not errors.check(isinstance(rule, dict) and set(rule) == {"tag", "keywords"}, at,
                            "must be {\"tag\": \"…\", \"keywords\": [\"…\"]}"):
            continue
        errors.check(isinstance(rule["tag"], str) and bool(TAG.match(rule["tag"])), f"{at}.tag",
                     "must be a tag: lowercase letters, digits, - and _, up to 40 characters")
        words = rule["keywords"]
        errors.check(isinstance(words, list) and 0 < len(words) <= MAX_KEYWORDS and all(
            isinstance(w, str) and 0 < len(w.strip()) <= MAX_KEYWORD for w in words), f"{at}.keywords",
            f"must list 1 to {MAX_KEYWORDS} keywords of up to {MAX_KEYWORD} characters")


def check_auto_ack(errors: Errors, path: str, value) -> None:
    from shop_plugin.helpdesk.templating import check
    from shop_plugin.promises.settings import LOCALE_RE

    if not errors.check(isinstance(value, dict) and set(value) <= {"enabled", "texts"}, path,
                        "must be {\"enabled\": true|false, \"texts\"?: {locale: text}}"):
        return
    errors.check(isinstance(value.get("enabled", True), bool), f"{path}.enabled", "must be true or false")
    texts = value.get("texts", {})
    if not errors.check(isinstance(texts, dict), f"{path}.texts", "must map locales (en, ko, id) to text"):
        return
    for locale, text in texts.items():
        at = f"{path}.texts.{locale}"
        errors.check(bool(LOCALE_RE.match(str(locale))), at, "is not a locale code like en or ko")
        if errors.check(isinstance(text, str) and 0 < len(text) <= 2000, at, "must be text up to 2000 characters"):
            problem = check(text)
            errors.check(problem is None, at, f"is not a valid template: {problem}")
