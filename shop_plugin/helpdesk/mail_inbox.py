"""Inbound email: the raw mail is committed first (one row per distinct mail, so a provider's
retry is a no-op), then read, routed to a shop by its address and threaded onto a ticket.

Processing runs right after the commit, in the same request. A mail that cannot be read is kept
as `rejected` with the reason, an automatic reply that threads into no ticket as
`auto_reply`; a temporary failure (the database) leaves the row `received` and
raises, so the provider retries and the stored row is processed then. Should the provider give up,
or the web process die between the commit and the processing, the periodic `sweep` processes it.

The raw bytes are kept INBOUND_RAW_RETENTION_DAYS after processing (the evidence while a ticket
is fresh), then replaced by a marker: what the message said lives on in its ticket entry, and
mail that reached no ticket (unroutable, rejected) holds strangers' data we have no use for."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from shop_plugin import jobs
from shop_plugin.db import insert_ignore, utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import bounces, mime, sender_auth
from shop_plugin.helpdesk.inbound import Incoming, receive
from shop_plugin.helpdesk.models import InboundEmail
from shop_plugin.shops.models import Shop

HANDLE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
LEASE = timedelta(minutes=5)  # processed_at marks a claim while the row is still received
SWEEP_AFTER = timedelta(minutes=10)  # the provider's own retries come first
SWEEP_WITHIN = timedelta(days=3)  # older mail still unprocessed waits for an operator, not a loop
PURGED = b"(raw message removed after the retention period)"


def store(s: Session, *, raw: bytes, envelope_to: str | None, now: datetime) -> tuple[InboundEmail, bool]:
    """Commit the raw mail; returns (row, stored now). A mail seen before returns its row."""
    digest = hashlib.sha256(raw).hexdigest()
    new_id = insert_ignore(s, InboundEmail.__table__, {
        "digest": digest, "raw": raw, "status": "received", "received_at": now,
        "recipient": mime.address(envelope_to or "")}, ["digest"])
    s.commit()
    return s.scalars(select(InboundEmail).where(InboundEmail.digest == digest)).one(), new_id is not None


def route(s: Session, addresses) -> tuple[Shop | None, str | None]:
    """The shop whose handle is the local part (before any +tag) of an address at the inbound
    domain: acme-store+x@in.… → acme-store.myshopify.com. Returns (shop or None, the address used)."""
    domain = current_app.config["INBOUND_EMAIL_DOMAIN"]
    ours = [a for a in dict.fromkeys(addresses) if a and a.rpartition("@")[2] == domain]
    for address in ours:
        handle = address.rpartition("@")[0].split("+", 1)[0]
        if HANDLE.match(handle):
            shop = s.scalars(select(Shop).where(Shop.domain == f"{handle}.myshopify.com")).one_or_none()
            if shop is not None:
                return shop, address
    return None, next(iter(ours or [a for a in addresses if a]), None)


def _claim(s: Session, inbound_id: int, now: datetime) -> bool:
    claimed = s.execute(update(InboundEmail).where(
        InboundEmail.id == inbound_id, InboundEmail.status == "received",
        or_(InboundEmail.processed_at.is_(None), InboundEmail.processed_at < now - LEASE))
        .values(processed_at=now)).rowcount == 1
    s.commit()
    return claimed


def process(s: Session, *, inbound_id: int, now: datetime) -> str:
    """Read, route and thread one stored mail; returns its status. Safe to call again: a mail
    already handled (or being handled) is left alone."""
    if not _claim(s, inbound_id, now):
        return s.scalar(select(InboundEmail.status).where(InboundEmail.id == inbound_id))
    row = s.get(InboundEmail, inbound_id, populate_existing=True)
    try:
        status, detail = _handle(s, row, now)
    except Exception:
        s.rollback()
        s.execute(update(InboundEmail).where(InboundEmail.id == inbound_id).values(processed_at=None))
        s.commit()
        raise
    row.status, row.detail, row.processed_at = status, (detail or "")[:300] or None, now
    s.commit()
    return status


def _handle(s: Session, row: InboundEmail, now: datetime) -> tuple[str, str | None]:
    try:
        mail = mime.parse(row.raw)
    except Exception as exc:  # noqa: BLE001 - whatever the bytes are, the row records why
        return "rejected", f"unreadable: {type(exc).__name__}: {exc}"
    row.sender, row.message_id = mail.sender, mail.message_id
    shop, address = route(s, [row.recipient, *mail.recipients])
    row.recipient, row.shop_id = address or row.recipient, shop.id if shop else None
    bounce = bounces.detect(mail)
    if bounce is not None:
        entry = bounces.mark(s, bounce=bounce, mail_domain=current_app.config["MAIL_DOMAIN"],
                             shop_id=row.shop_id, now=now)
        if entry is not None:
            row.shop_id, row.ticket_id = entry.shop_id, entry.ticket_id
        return "bounce", (f"marked message {entry.id} bounced: {bounce.diagnostic}" if entry
                          else "delivery delayed; nothing marked" if not bounce.failed else
                          "bounce of no message of ours")
    if shop is None or not shop.is_installed:
        return "unroutable", f"no installed shop for {address or 'any recipient'}"
    if mail.sender is None:
        return "rejected", "no valid sender address"
    config = current_app.config
    if mail.sender.rpartition("@")[2] in (config["MAIL_DOMAIN"], config["INBOUND_EMAIL_DOMAIN"]):
        return "rejected", "sent from ShipPromise's own domain (a mail loop)"
    received = receive(s, shop=shop, now=now, incoming=Incoming(
        source="email", sender=mail.sender, sender_name=mail.sender_name, subject=mail.subject, body=mail.body,
        message_id=mail.message_id or mime.fallback_message_id(row.raw, current_app.config["MAIL_DOMAIN"]),
        in_reply_to=mail.in_reply_to, references=tuple(mail.references), recipient=row.recipient,
        locale=mail.language, auto_reply=mail.auto_reply, attachments=tuple(mail.attachments),
        refused=tuple(mail.refused),
        sender_verified=sender_auth.verified(mail.message, mail.sender, config["INBOUND_AUTHSERV_ID"],
                                             headers_cut=mail.headers_cut)))
    if received.ticket is None:
        return "auto_reply", "automatic reply (out of office) to no ticket: nothing opened"
    row.ticket_id = received.ticket.id
    return "threaded", ("duplicate message" if received.duplicate else "new ticket" if received.created
                        else "reopened the ticket" if received.reopened else None)


def process_job(inbound_id: int) -> str:
    """Job: process one stored mail (the sweep's)."""
    return process(session(), inbound_id=inbound_id, now=utcnow())


def sweep(limit: int = 100) -> int:
    """Periodic job: enqueue mails still `received` well after they came and not being processed."""
    now = utcnow()
    ids = list(session().scalars(select(InboundEmail.id).where(
        InboundEmail.status == "received", InboundEmail.received_at < now - SWEEP_AFTER,
        InboundEmail.received_at > now - SWEEP_WITHIN,
        or_(InboundEmail.processed_at.is_(None), InboundEmail.processed_at < now - LEASE))
        .order_by(InboundEmail.id).limit(limit)))
    jobs.enqueue_each(process_job, ids)
    return len(ids)


def purge_raw() -> int:
    """Periodic job (daily): drop the raw bytes of mails processed longer ago than the retention."""
    s = session()
    cutoff = utcnow() - timedelta(days=current_app.config["INBOUND_RAW_RETENTION_DAYS"])
    old = (InboundEmail.status != "received", InboundEmail.processed_at < cutoff)
    purged = s.execute(update(InboundEmail).where(*old, InboundEmail.raw != PURGED).values(raw=PURGED)).rowcount
    # Mail that reached no ticket (unroutable, rejected, a bounce of nothing of ours) also forgets its sender.
    s.execute(update(InboundEmail).where(*old, InboundEmail.ticket_id.is_(None), InboundEmail.sender.is_not(None))
              .values(sender=None))
    s.commit()
    return purged
