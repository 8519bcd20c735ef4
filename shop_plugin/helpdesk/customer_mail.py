"""Mail the desk sends to customers on its own (acknowledgements, satisfaction surveys), and the
delivery record every outgoing message keeps on its ticket entry.

Each such mail is a ticket entry (kind system) with our Message-ID, so an answer to it threads
back to the ticket and a bounce finds it. Send failures are written on the entry outside the
effect's transaction, which the outbox rolls back: queued → failed once no retry is left."""
from __future__ import annotations

import functools
import logging
import smtplib
import uuid
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shop_plugin.db import utcnow
from shop_plugin.effects import service as effects
from shop_plugin.effects.models import Effect
from shop_plugin.extensions import database
from shop_plugin.helpdesk.models import Ticket, TicketEntry
from shop_plugin.notify import mailer, optouts
from shop_plugin.shops.models import Shop

log = logging.getLogger(__name__)


def opted_out(s: Session, *, shop: Shop, email: str) -> bool:
    """The customer asked this shop for no notices (the notices' unsubscribe link)."""
    return optouts.opted_out_at(s, shop_id=shop.id, email=email) is not None


def queue(s: Session, *, shop: Shop, ticket: Ticket, kind: str, author: str, body: str, to: str,
          in_reply_to: str | None, now: datetime, extra: dict | None = None) -> TicketEntry:
    """Record the outgoing mail on the ticket and schedule its send (effect `kind`, keyed by the entry;
    `extra` goes into the effect's payload for its executor)."""
    entry = TicketEntry(shop_id=shop.id, ticket_id=ticket.id, kind="system", author=author, body=body,
                        message_id=f"<{kind}.{uuid.uuid4().hex}@{current_app.config['MAIL_DOMAIN']}>",
                        in_reply_to=in_reply_to, email_to=to, source="email", delivery_status="queued",
                        created_at=now)
    s.add(entry)
    s.flush()
    effects.schedule(s, shop=shop, kind=kind, key=str(entry.id), payload={"entry_id": entry.id, **(extra or {})})
    return entry


def envelope(shop: Shop, settings: dict, entry: TicketEntry, subject: str,
             auto: str = "auto-replied") -> EmailMessage:
    """Headers of an automatic mail: threaded under the customer's message, answerable to the desk,
    and marked (RFC 3834) so the customer's own auto-responder does not answer it: `auto-replied`
    when it answers the customer's message (the acknowledgement), `auto-generated` when something
    else set it off (the satisfaction survey, on resolution)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((mailer.store_name(shop, settings), current_app.config["MAIL_FROM"]))
    message["To"] = entry.email_to
    reply_to = mailer.reply_address(shop, settings)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Message-ID"] = entry.message_id
    if entry.in_reply_to:
        message["In-Reply-To"] = entry.in_reply_to
        message["References"] = entry.in_reply_to
    message["Auto-Submitted"] = auto
    message["X-Auto-Response-Suppress"] = "All"
    return message


def _permanent(exc: Exception) -> bool:
    """The relay refused for good (5xx): retrying sends nothing."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _record_failure(shop: Shop, kind: str, entry_id: int, exc: Exception, permanent: bool) -> None:
    detail = f"{type(exc).__name__}: {exc}"[:280]
    with database().engine.begin() as conn:
        attempts = conn.scalar(select(Effect.attempts).where(Effect.shop_id == shop.id, Effect.kind == kind,
                                                             Effect.key == str(entry_id)))
        final = permanent or (attempts or 0) >= effects.MAX_ATTEMPTS
        values = {"delivery_status": "failed", "delivery_detail": detail} if final else \
            {"delivery_detail": f"retrying: {detail}"[:300]}
        conn.execute(update(TicketEntry).where(TicketEntry.shop_id == shop.id, TicketEntry.id == entry_id,
                                               TicketEntry.delivery_status == "queued").values(**values))
        if final:
            entry = conn.execute(select(TicketEntry.ticket_id, TicketEntry.email_to).where(
                TicketEntry.shop_id == shop.id, TicketEntry.id == entry_id)).one_or_none()
            if entry is not None:
                conn.execute(insert(TicketEntry).values(
                    shop_id=shop.id, ticket_id=entry.ticket_id, kind="system", author="ShipPromise",
                    body=f"The email to {entry.email_to} could not be sent: {detail}", created_at=utcnow()))


def tracked(kind: str) -> Callable:
    """Executor decorator: a failed send is noted on its entry; on the last attempt, or a permanent
    refusal, the entry reads failed and a system line says why."""
    def wrap(send: Callable[[Shop, dict], dict]) -> Callable[[Shop, dict], dict]:
        @functools.wraps(send)
        def executor(shop: Shop, payload: dict) -> dict:
            try:
                return send(shop, payload)
            except Exception as exc:
                permanent = _permanent(exc) or isinstance(exc, effects.EffectRejected)
                database().session().rollback()  # the outbox rolls back anyway; free the connection first
                try:
                    _record_failure(shop, kind, payload["entry_id"], exc, permanent)
                except Exception:  # noqa: BLE001 - the effect's own failure record matters more
                    log.exception("could not record the failed send of entry %s", payload["entry_id"])
                if permanent and not isinstance(exc, effects.EffectRejected):
                    raise effects.EffectRejected(str(exc)) from exc
                raise
        return executor
    return wrap


def queued(shop: Shop, payload: dict) -> tuple[TicketEntry, Ticket, dict] | dict:
    """For an automatic email's executor: its entry, ticket and the shop's settings; or, when the
    entry is no longer queued (sent, skipped), the result to record instead of sending again."""
    from shop_plugin.extensions import session
    from shop_plugin.promises import service as promises

    s = session()
    entry = s.scalars(select(TicketEntry).where(TicketEntry.shop_id == shop.id,
                                                TicketEntry.id == payload["entry_id"])).one()
    if entry.delivery_status != "queued":
        return {"message_id": entry.message_id, "skipped": entry.delivery_status}
    settings, _ = promises.get_settings(s, shop=shop)
    return entry, s.get(Ticket, entry.ticket_id), settings


@tracked("ticket_reply")
def send_reply(shop: Shop, payload: dict) -> dict:
    """The staff reply executor, with its failures written on the reply."""
    from shop_plugin.helpdesk import replies

    return replies.send(shop, payload)
