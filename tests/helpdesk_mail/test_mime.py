"""Reading customer mail: every fixture parses, gives the right text, and nothing unsafe gets through."""
from __future__ import annotations

import pytest

from shop_plugin.helpdesk import attachments, mime
from shop_plugin.helpdesk.mailtext import html_to_text, one_line, strip_quotes
from tests.helpdesk_mail.conftest import MAIL, mail

FIXTURES = sorted(p.name for p in MAIL.iterdir())


def test_the_fixture_set_is_complete():
    assert {"plain.eml", "html_only.eml", "alternative_attachment.eml", "iso_8859_1.eml", "euc_kr.eml",
            "shift_jis.eml", "broken_charset.eml", "huge.eml.gz", "malicious_headers.eml", "dsn_bounce.eml",
            "auto_reply.eml", "reply.eml"} <= set(FIXTURES)


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_parses_into_one_clean_line_per_header(name):
    parsed = mime.parse(mail(name, in_reply_to="<reply.x@app.example.test>", original_id="<reply.x@app.example.test>"))
    assert parsed.sender and "@" in parsed.sender
    for value in (parsed.subject, parsed.sender_name):
        assert "\r" not in value and "\n" not in value and len(value) <= 200
    assert parsed.message_id is None or len(parsed.message_id) <= 255
    assert len(parsed.body) <= mime.MAX_BODY


def test_plain_text_keeps_the_message():
    parsed = mime.parse(mail("plain.eml"))
    assert parsed.sender == "kim@example.com" and parsed.sender_name == "Kim Minsu"
    assert parsed.subject == "Where is my parcel?" and parsed.message_id == "<plain.1@mail.example.com>"
    assert "it has not arrived yet" in parsed.body and parsed.auto_reply is False
    assert "alpha-store@in.app.example.test" in parsed.recipients


def test_html_only_mail_becomes_text_without_script_or_style():
    parsed = mime.parse(mail("html_only.eml"))
    assert "Paket saya belum sampai & saya butuh segera." in parsed.body
    assert "- Lampu meja" in parsed.body
    assert "alert" not in parsed.body and "color: red" not in parsed.body and "ignored title" not in parsed.body
    assert "<" not in parsed.body and parsed.language == "id-ID"


def test_alternative_prefers_plain_text_and_keeps_allowed_files_only():
    parsed = mime.parse(mail("alternative_attachment.eml"))
    assert parsed.body == "The lamp arrived broken. Photos attached."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("photo.png", "image/png"), ("receipt.pdf", "application/pdf")]
    assert any(r.startswith("invoice.png.exe") for r in parsed.refused)
    assert any(r.startswith("passwd ") for r in parsed.refused)  # the path is gone from the name
    assert parsed.recipients == ["alpha-store+orders@in.app.example.test"]


@pytest.mark.parametrize(("name", "subject", "text", "sender_name"), [
    ("iso_8859_1.eml", "Rückerstattung für meine Bestellung", "Grüße, ich möchte eine Rückerstattung", "José Müller"),
    ("euc_kr.eml", "배송 문의", "주문번호 1001 상품을 아직 못 받았어요. 급해요!", "홍길동"),
    ("shift_jis.eml", "注文について", "荷物がまだ届いていません。①", "Tanaka"),
])
def test_legacy_charsets_are_decoded(name, subject, text, sender_name):
    parsed = mime.parse(mail(name))
    assert parsed.subject == subject and text in parsed.body and parsed.sender_name == sender_name


def test_a_broken_charset_falls_back_to_utf8_and_keeps_going():
    parsed = mime.parse(mail("broken_charset.eml"))
    assert parsed.subject == "Hello there"
    assert parsed.body.startswith("Café ok, then a stray byte") and "more text continues here." in parsed.body


def test_a_huge_body_is_cut_with_a_note():
    parsed = mime.parse(mail("huge.eml.gz"))
    assert len(parsed.body) <= mime.MAX_BODY and parsed.body.startswith("All work and no play")
    assert "more characters not shown; the full message is kept with the raw email" in parsed.body


def test_malicious_headers_are_neutralised():
    parsed = mime.parse(mail("malicious_headers.eml"))
    assert parsed.sender == "mallory@evil.example"
    assert parsed.sender_name == ""  # an address posing as a display name is dropped
    assert parsed.subject.startswith("Hello Bcc: victim@example.com") and "\u202e" not in parsed.subject
    assert 0 < len(parsed.references) <= 50
    assert parsed.body == "Please reset the admin password."


def test_auto_replies_are_recognised():
    assert mime.parse(mail("auto_reply.eml", in_reply_to="<x@y.z>")).auto_reply is True
    assert mime.parse(mail("plain.eml")).auto_reply is False
    out_of_office = b"From: a@b.example\r\nSubject: Out of Office: back Monday\r\n\r\nAway\r\n"
    assert mime.parse(out_of_office).auto_reply is True


def test_a_reply_keeps_only_what_is_new():
    parsed = mime.parse(mail("reply.eml", in_reply_to="<reply.abc@app.example.test>"))
    assert parsed.body == "Thank you, it arrived today!"
    assert parsed.in_reply_to == "<reply.abc@app.example.test>"
    assert parsed.references == ["<plain.1@mail.example.com>", "<reply.abc@app.example.test>"]


@pytest.mark.parametrize("history", [
    "On Tue, Nov 24, 2026 at 3:00 PM Alpha Store <help@x.example>\nwrote:\n> old",
    "2026년 11월 24일 (화) 오후 3:00, Alpha Store <help@x.example>님이 작성:\n> 예전 내용",
    "Pada tanggal Sel, 24 Nov 2026 pukul 15.00 Alpha Store menulis:\n> lama",
    "-----Original Message-----\nFrom: Alpha Store\nSent: Tuesday\nold text",
    "________________________________\nFrom: Alpha Store <help@x.example>\nSent: Tuesday\nTo: me\nold",
])
def test_quoted_history_is_cut_in_each_language(history):
    assert strip_quotes(f"New answer.\n\n{history}\nmore old text") == "New answer."


def test_a_message_that_only_quotes_is_kept_whole():
    assert strip_quotes("> just a quote") == "> just a quote"
    assert strip_quotes("On Monday I wrote to you twice") == "On Monday I wrote to you twice"


def test_html_text_never_carries_tags_or_script():
    text = html_to_text("<p>Hi<script>document.cookie</script></p><img src=x onerror=alert(1)>&lt;b&gt;")
    assert text == "Hi\n<b>" and "cookie" not in text


def test_one_line_strips_line_breaks_controls_and_bidi():
    assert one_line("a\r\nb\x00c\u202ed  e\u2029f", 100) == "a b cd e f"
    assert one_line("x" * 500, 200) == "x" * 200


def test_mail_without_headers_is_unreadable():
    with pytest.raises(mime.Unreadable):
        mime.parse(b"just some bytes without any header")


@pytest.mark.parametrize(("name", "declared", "data", "kept"), [
    ("a.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"0" * 10, True),
    ("note.txt", "text/plain", b"hello", True),
    ("doc.pdf", "application/pdf", b"%PDF-1.7 ...", True),
    ("evil.svg", "image/svg+xml", b"<svg onload=alert(1)>", False),
    ("photo.jpg", "image/jpeg", b"MZ\x90\x00", False),
    ("run.exe", "text/plain", b"plain ascii", False),
    ("big.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * attachments.MAX_SIZE, False),
])
def test_attachments_are_judged_by_content_size_and_name(name, declared, data, kept):
    attachment, why = attachments.check(name, declared, data)
    assert (attachment is not None) is kept and (why is None) is kept


def test_only_ten_files_are_kept_per_message():
    parts = "".join(f"--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"n{i}.txt\"\r\n\r\n"
                    f"note {i}\r\n" for i in range(12))
    raw = (f"From: a@b.example\r\nSubject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n"
           f"\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee files\r\n{parts}--B--\r\n").encode()
    parsed = mime.parse(raw)
    assert len(parsed.attachments) == 10 and len(parsed.refused) == 2
    assert "more than 10 files" in parsed.refused[0]
