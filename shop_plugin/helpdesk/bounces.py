"""Bounces of the desk's own mail: a delivery status report (RFC 3464) or a mailer daemon's note
that names one of our Message-IDs marks that entry bounced, with the server's reason."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import HeaderParser

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_plugin.helpdesk.mailtext import one_line
from shop_plugin.helpdesk.mime import ParsedMail, body_text, header, message_ids
from shop_plugin.helpdesk.models import TicketEntry
from shop_plugin.helpdesk.service import add_system_line
from shop_plugin.shops.models import Shop

DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon")
ID_HEADERS = ("Original-Message-ID", "X-Original-Message-ID", "In-Reply-To", "References")
FAILURE_SUBJECT = re.compile(r"undeliver|delivery (status|fail)|failure notice|returned mail|not delivered|"
                             r"delivery has failed|mail delivery", re.IGNORECASE)
SMTP_REASON = re.compile(r"^.*\b[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b.*$|^.*\b55\d\b.*$", re.MULTILINE)


@dataclass
class Bounce:
    message_ids: list[str]  # what bounced: ids of our messages
    failed: bool  # False for "delayed" / "delivered" reports: nothing to mark
    diagnostic: str


def _report_fields(message: EmailMessage) -> tuple[list[str], str, list[str]]:
    """(actions, diagnostic, original ids) from a delivery-status report's parts."""
    actions, diagnostic, ids = [], "", []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if header(block, "Action"):
                    actions.append(header(block, "Action").strip().lower())
                    diagnostic = diagnostic or header(block, "Diagnostic-Code") or header(block, "Status")
                ids += message_ids(header(block, "Original-Message-ID"))
        elif kind in ("message/rfc822", "message/global"):
            inner = part.get_payload(0) if part.is_multipart() else None
            if inner is not None:
                ids += message_ids(header(inner, "Message-ID"), 1)
        elif kind in ("text/rfc822-headers", "message/rfc822-headers"):
            ids += message_ids(HeaderParser().parsestr(str(part.get_content())).get("Message-ID", ""), 1)
    return actions, diagnostic, ids


def detect(mail: ParsedMail) -> Bounce | None:
    """The bounce this mail reports, or None when it is not a bounce."""
    message = mail.message
    report = message.get_content_type() == "multipart/report" and \
        (message.get_param("report-type") or "").lower() == "delivery-status"
    local = (mail.sender or "").split("@")[0]
    if not report and local not in DAEMONS:
        return None
    text = body_text(message)[:100_000]
    if not report and not (FAILURE_SUBJECT.search(mail.subject) or SMTP_REASON.search(text)):
        return None  # a person writing from a postmaster address
    actions, diagnostic, ids = _report_fields(message)
    for name in ID_HEADERS:
        ids += message_ids(header(message, name))
    if not ids:  # a daemon's free-text bounce quoting our message
        ids = message_ids(text)
    if not diagnostic:
        found = SMTP_REASON.search(text)
        diagnostic = found.group(0) if found else mail.subject
    failed = not actions or any(a.startswith("failed") for a in actions)
    return Bounce(message_ids=list(dict.fromkeys(ids)), failed=failed, diagnostic=one_line(diagnostic, 300))


def mark(s: Session, *, bounce: Bounce, mail_domain: str, shop_id: int | None, now: datetime) -> TicketEntry | None:
    """Mark the bounced entry (ours only: our domain's Message-IDs with a delivery record) and say so on
    its ticket. Scoped to the shop when the bounce came through a shop's address."""
    ours = [i for i in bounce.message_ids if i.lower().endswith(f"@{mail_domain.lower()}>")]
    if not ours or not bounce.failed:
        return None
    stmt = select(TicketEntry).where(TicketEntry.message_id.in_(ours), TicketEntry.delivery_status.is_not(None))
    if shop_id is not None:
        stmt = stmt.where(TicketEntry.shop_id == shop_id)
    entry = s.scalars(stmt.order_by(TicketEntry.id.desc()).limit(1)).one_or_none()
    if entry is None:
        return None
    if entry.delivery_status != "bounced":
        entry.delivery_status, entry.delivery_detail = "bounced", bounce.diagnostic[:300] or None
        shop = s.get(Shop, entry.shop_id)
        add_system_line(s, shop=shop, ticket_id=entry.ticket_id, now=now,
                        body=f"The email to {entry.email_to} bounced: {bounce.diagnostic or 'no reason given'}")
    return entry
