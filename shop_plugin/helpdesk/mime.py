"""Raw customer mail in, the parts the desk needs out: who wrote, to whom, about what, the new
text of the message, its files, and whether it is an automatic reply.

Parsed with the stdlib `email` package (policy.default). Header values are capped before
parsing, so an absurdly long header costs nothing; every value that leaves this module is a
single clean line; every decoding error falls back instead of failing."""
from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from shop_plugin.helpdesk import attachments as files
from shop_plugin.helpdesk.mailtext import clean_text, html_to_text, one_line, strip_quotes, truncate

MAX_HEADER = 16 * 1024  # bytes of one header kept for parsing (References of a long thread fit)
MAX_HEADERS = 500
MAX_BODY = 20_000  # characters of message text stored on the ticket
MAX_SCAN = 5 * MAX_BODY  # characters read for quoted history; the rest is cut anyway
MSGID = re.compile(r"<([^<>\s@]{1,120}@[^<>\s@]{1,120})>")  # fits the 255-character column
EMAIL = re.compile(r"^[^@\s<>\"(),;:\\\[\]\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z0-9-]{2,63}$")
RECIPIENT_HEADERS = ("Envelope-To", "X-Envelope-To", "X-Original-To", "Delivered-To", "To", "Cc")
CHARSET_ALIASES = {"ks_c_5601-1987": "cp949", "euc-kr": "cp949", "ks_c_5601": "cp949", "gb2312": "gb18030",
                   "gbk": "gb18030", "shift_jis": "cp932", "x-sjis": "cp932", "sjis": "cp932",
                   "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8"}
AUTO_SUBJECT = re.compile(r"^\s*(auto(matic)?[ -]?reply|out of (the )?office|autoreply|auto:|"
                          r"자동\s*(응답|회신)|부재\s*중|balasan otomatis|di luar kantor)", re.IGNORECASE)


class Unreadable(ValueError):
    """The bytes are not a mail we can read at all."""


@dataclass
class ParsedMail:
    message: EmailMessage
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    sender: str | None
    sender_name: str
    subject: str
    recipients: list[str]
    language: str | None
    auto_reply: bool
    body: str = ""
    attachments: list[files.Attachment] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    headers_cut: bool = False  # `_capped` cut or dropped a header: the headers read are not all there were


def _capped(raw: bytes) -> tuple[bytes, bool]:
    """The raw mail with each header cut to MAX_HEADER bytes and at most MAX_HEADERS of them, and
    whether anything was cut."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    kept, size, count, cut = [], 0, 0, False
    for line in re.split(rb"\r?\n", head):
        if line[:1] not in (b" ", b"\t"):  # a new header, not a folded continuation
            count, size = count + 1, 0
        if count <= MAX_HEADERS and size < MAX_HEADER:
            kept.append(line[:MAX_HEADER - size])
            cut = cut or size + len(line) > MAX_HEADER
        else:
            cut = True
        size += len(line)
    return b"\r\n".join(kept) + (sep or b"\r\n\r\n") + body, cut


def header(message: EmailMessage, name: str) -> str:
    """A header's decoded value, or '' when absent or unparseable."""
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a malformed header reads as absent
        return ""
    return str(value) if value is not None else ""


def message_ids(value: str | None, limit: int = 50) -> list[str]:
    """The <id@host> tokens of a Message-ID / In-Reply-To / References value, last `limit` kept."""
    return [f"<{m}>" for m in MSGID.findall(value or "")][-limit:]


def address(value: str) -> str | None:
    """A plain, lowercased email address, or None if this is not one."""
    value = (value or "").strip().lower()
    return value if len(value) <= 254 and EMAIL.match(value) else None


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs; headers the policy does not parse as addresses
    (Delivered-To, X-Original-To, …) and malformed ones go through the lenient parser."""
    found = []
    try:
        values = message.get_all(name) or []
    except Exception:  # noqa: BLE001 - a malformed header reads as absent
        return []
    for value in values:
        try:
            pairs = [(a.display_name, a.addr_spec) for a in value.addresses]
        except Exception:  # noqa: BLE001
            pairs = getaddresses([str(value)])
        found.extend((one_line(n, 200), a) for n, a in pairs)
    return found


def decode(part, payload: bytes) -> str:
    """Bytes of a text part as text: its charset (or a known superset), else UTF-8, else its charset
    with undecodable bytes replaced."""
    declared = (part.get_content_charset() or "utf-8").strip().strip("\"'").lower()
    charset = CHARSET_ALIASES.get(declared, declared)
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    for candidate in dict.fromkeys((charset, "utf-8")):  # then: mislabelled UTF-8
        try:
            return payload.decode(candidate)
        except UnicodeDecodeError:
            continue
    return payload.decode(charset, errors="replace")


def _text_of(part) -> str:
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - a broken transfer encoding gives what it can
        payload = str(part.get_payload()).encode("utf-8", "replace")
    text = decode(part, payload)
    return html_to_text(text) if part.get_content_type() == "text/html" else text


def body_text(message: EmailMessage) -> str:
    """The message's text: the plain part, or the HTML part turned into text."""
    for preference in (("plain",), ("html",)):
        try:
            part = message.get_body(preferencelist=preference)
        except Exception:  # noqa: BLE001 - odd structures fall through to the walk below
            part = None
        text = _text_of(part) if part is not None else ""
        if text.strip():
            return text
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            return _text_of(part)
    return ""


def _files(message: EmailMessage) -> tuple[list[files.Attachment], list[str]]:
    kept, refused = [], []
    try:
        parts = list(message.iter_attachments())
    except Exception:  # noqa: BLE001 - a message that is not multipart has none
        parts = []
    for part in parts:
        name = files.safe_name(part.get_filename())
        if part.get_content_maintype() == "multipart":
            continue
        if len(kept) >= files.MAX_COUNT:
            refused.append(f"{name} (more than {files.MAX_COUNT} files)")
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001
            data = b""
        attachment, why = files.check(name, part.get_content_type(), data)
        if attachment is None:
            refused.append(f"{name} ({why})")
        else:
            kept.append(attachment)
    return kept, refused


def is_auto_reply(message: EmailMessage, subject: str) -> bool:
    """RFC 3834 Auto-Submitted, the vendors' X-Autoreply family, bulk precedence, or an
    out-of-office subject."""
    auto = header(message, "Auto-Submitted").strip().lower()
    precedence = header(message, "Precedence").strip().lower()
    return bool((auto and auto != "no") or header(message, "X-Autoreply") or header(message, "X-Autorespond")
                or precedence in ("bulk", "auto_reply", "junk", "list") or AUTO_SUBJECT.match(subject))


def parse(raw: bytes) -> ParsedMail:
    """Read a raw mail. Raises Unreadable when it has no headers at all."""
    capped, headers_cut = _capped(raw)
    message = BytesParser(policy=policy.default).parsebytes(capped)
    if not message.keys():
        raise Unreadable("no headers")
    senders = _addresses(message, "From") or _addresses(message, "Sender")
    name, sender = senders[0] if senders else ("", None)
    if "@" in name:  # "support@your-store.com" as a display name is someone posing as someone else
        name = ""
    subject = one_line(header(message, "Subject"), 200)
    ids = message_ids(header(message, "Message-ID"), 1)
    recipients = [a for h in RECIPIENT_HEADERS for _, a in _addresses(message, h) if address(a)]
    language = one_line(header(message, "Content-Language"), 20).split(",")[0].strip() or None
    mail = ParsedMail(
        message=message, message_id=ids[0] if ids else None,
        in_reply_to=(message_ids(header(message, "In-Reply-To"), 1) or [None])[0],
        references=message_ids(header(message, "References")), sender=address(sender or ""),
        sender_name=name, subject=subject, recipients=[address(a) for a in recipients], language=language,
        auto_reply=is_auto_reply(message, subject),
        headers_cut=headers_cut)
    text = body_text(message)
    mail.body = truncate(clean_text(strip_quotes(text[:MAX_SCAN])), MAX_BODY, total=len(text))
    mail.attachments, mail.refused = _files(message)
    return mail


def fallback_message_id(raw: bytes, domain: str) -> str:
    """A stable Message-ID for mail that came without one, so a second delivery is still a duplicate."""
    return f"<inbound.{hashlib.sha256(raw).hexdigest()[:40]}@{domain}>"
