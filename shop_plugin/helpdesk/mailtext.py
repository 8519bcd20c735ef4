"""Text out of customer mail: HTML turned into plain text, quoted history cut, header values made safe."""
from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

MAX_HTML = 2 * 1024 * 1024  # characters of HTML converted; beyond that the body is truncated anyway
SKIPPED = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "object", "iframe"}
BLOCKS = {"p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "h1", "h2", "h3",
          "h4", "h5", "h6", "blockquote", "pre", "hr", "address", "form", "dl", "dt", "dd"}
VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}
# Bidirectional overrides and isolates can make a name or subject display as something else.
BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"))
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ATTRIBUTION = re.compile(
    r"^\s*(on\b.{0,300}\bwrote:"             # en (Gmail, Apple Mail)
    r"|pada\b.{0,300}\bmenulis:"             # id (Gmail)
    r"|.{0,300}님이\s*작성:"                  # ko (Gmail: "… 님이 작성:")
    r"|-{2,}\s*(original message|pesan asli|원본 메시지|forwarded message)\s*-{2,}"
    r"|_{20,})\s*$", re.IGNORECASE)
OUTLOOK_HEADER = re.compile(r"^\s*\**(from|dari|보낸 사람)\s*:\**\s", re.IGNORECASE)
OUTLOOK_NEXT = re.compile(r"^\s*\**(sent|date|to|subject|dikirim|tanggal|kepada|subjek|보낸 날짜|받는 사람|제목)\s*:",
                          re.IGNORECASE)


class _Text(HTMLParser):
    """Collects the text a reader would see; script and style contents never get through."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "body":  # an unclosed <head> or <title> must not hide the whole message
            self.skipping.clear()
        elif tag in SKIPPED and tag not in VOID:
            self.skipping.append(tag)
        elif tag in ("br", "hr") or tag in BLOCKS:
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        elif tag in BLOCKS or tag == "li":
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body."""
    parser = _Text()
    parser.feed(html[:MAX_HTML])
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in "".join(parser.out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quotes(text: str) -> str:
    """The new part of a reply: stops at the attribution line ("On … wrote:") or an Outlook
    header block, and drops ">" lines. Returns the whole text if nothing would be left."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if ATTRIBUTION.match(line) or (line.strip().lower().startswith(("on ", "pada ")) and ATTRIBUTION.match(joined)):
            break
        if OUTLOOK_HEADER.match(line) and any(OUTLOOK_NEXT.match(n) for n in lines[i + 1:i + 4]):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    stripped = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return stripped or text.strip()


def one_line(value: str | None, limit: int) -> str:
    """A header value fit to show and to reuse in a header: no control or bidi characters, no
    line breaks, whitespace collapsed, at most `limit` characters."""
    if not value:
        return ""
    value = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value.translate(BIDI))
    return re.sub(r"\s+", " ", value).strip()[:limit]


def clean_text(text: str) -> str:
    """Text fit to store: control characters other than tab and line breaks go (PostgreSQL refuses NUL),
    and so do bidirectional overrides."""
    return CONTROLS.sub("", text.translate(BIDI))


def truncate(text: str, limit: int, total: int | None = None) -> str:
    """At most `limit` characters, with a note saying how much was left out of `total` (default: the text's)."""
    total = max(total or 0, len(text))
    if total <= limit:
        return text
    head = text[:max(limit - 120, 0)].rstrip()
    left_out = total - len(head)
    return f"{head}\n\n[… {left_out:,} more characters not shown; the full message is kept with the raw email]"
