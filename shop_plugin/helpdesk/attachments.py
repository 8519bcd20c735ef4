"""Which files customers may send: photos, PDFs and plain text, recognised by their content.

The declared type and the name are the sender's word; the first bytes decide. A file whose
name says it is something runnable is refused whatever its bytes are."""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

MAX_SIZE = 5 * 1024 * 1024
MAX_COUNT = 10
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg", ".jfif"), "image/png": (".png",), "image/gif": (".gif",),
    "image/webp": (".webp",), "image/heic": (".heic", ".heif"), "application/pdf": (".pdf",),
    "text/plain": (".txt", ".text", ".log"),
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def _sniff(data: bytes) -> str | None:
    """The type the bytes show, among the allowed ones."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"heif", b"hevc"):
        return "image/heic"
    if data.lstrip()[:5] == b"%PDF-":
        return "application/pdf"
    if b"\x00" not in data[:8192] and not data.lstrip().startswith((b"<", b"#!", b"MZ", b"PK")):
        return "text/plain"
    return None


def safe_name(name: str | None) -> str:
    """A file name to show and to offer for download: no path, no control characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[:200 - len(ext[:20])] + ext[:20]
    return name or "attachment"


def check(name: str | None, declared: str, data: bytes) -> tuple[Attachment | None, str | None]:
    """(attachment to keep, None) or (None, why it was refused)."""
    filename = safe_name(name)
    if len(data) > MAX_SIZE:
        return None, f"larger than {MAX_SIZE // (1024 * 1024)} MiB"
    if not data:
        return None, "empty"
    kind = _sniff(data)
    ext = os.path.splitext(filename)[1].lower()
    if kind is None:
        return None, f"type not allowed ({declared or 'unknown'})"
    if ext and ext not in EXTENSIONS[kind]:
        return None, f"name does not match its content ({kind})"
    if not ext:
        filename += EXTENSIONS[kind][0]
    return Attachment(filename=filename, content_type=kind, data=data), None
