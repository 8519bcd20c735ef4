"""Canned replies: written once by the shop, filled per ticket. Titles are unique per shop."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop_plugin.db import iso
from shop_plugin.helpdesk.actions import MAX_BODY
from shop_plugin.helpdesk.models import CannedReply, Ticket
from shop_plugin.helpdesk.templating import VARIABLES, check, render_canned
from shop_plugin.shops.models import Shop

MAX_TITLE = 120
FIELDS = ("title", "body")
DUPLICATE = "another canned reply has this title"


def get_all(s: Session, *, shop: Shop) -> list[CannedReply]:
    """The shop's canned replies by title."""
    return list(s.scalars(select(CannedReply).where(CannedReply.shop_id == shop.id)
                          .order_by(CannedReply.title, CannedReply.id)))


def get(s: Session, *, shop: Shop, reply_id: int) -> CannedReply | None:
    """One canned reply of this shop."""
    return s.scalars(select(CannedReply).where(CannedReply.shop_id == shop.id,
                                               CannedReply.id == reply_id)).one_or_none()


def _text(value, limit: int) -> bool:
    """Some text, within the limit, without NUL characters (which PostgreSQL cannot store)."""
    return isinstance(value, str) and bool(value.strip()) and len(value.strip()) <= limit and "\x00" not in value


def _check(s: Session, shop: Shop, document, partial: bool, reply_id: int | None = None) -> dict[str, str]:
    if not isinstance(document, dict):
        return {"": "request body must be a JSON object"}
    errors = {key: f"unknown field; allowed: {', '.join(FIELDS)}" for key in set(document) - set(FIELDS)}
    for key in FIELDS:
        if key not in document and not partial:
            errors[key] = "is required"
    title, body = document.get("title"), document.get("body")
    if "title" in document:
        if not _text(title, MAX_TITLE):
            errors["title"] = f"must be 1 to {MAX_TITLE} characters"
        elif s.scalar(select(CannedReply.id).where(CannedReply.shop_id == shop.id, CannedReply.title == title.strip(),
                                                   CannedReply.id != (reply_id or 0))) is not None:
            errors["title"] = DUPLICATE
    if "body" in document:
        if not _text(body, MAX_BODY):
            errors["body"] = f"must be 1 to {MAX_BODY} characters"
        elif (problem := check(body)) is not None:
            errors["body"] = f"is not a valid template ({problem}); variables: {', '.join(VARIABLES)}"
    return errors


def _save(s: Session, reply: CannedReply) -> dict[str, str]:
    """Flush; two saves racing for one title meet the unique constraint here."""
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:
        return {"title": DUPLICATE}
    return {}


def create(s: Session, *, shop: Shop, document, now: datetime) -> tuple[CannedReply | None, dict[str, str]]:
    """A new canned reply from {title, body}, or the field errors."""
    errors = _check(s, shop, document, partial=False)
    if errors:
        return None, errors
    reply = CannedReply(shop_id=shop.id, title=document["title"].strip(), body=document["body"],
                        created_at=now, updated_at=now)
    s.add(reply)
    errors = _save(s, reply)
    return (None, errors) if errors else (reply, {})


def update(s: Session, *, shop: Shop, reply: CannedReply, document, now: datetime) -> dict[str, str]:
    """Change the title and/or body; nothing changes when any field is wrong."""
    errors = _check(s, shop, document, partial=True, reply_id=reply.id)
    if errors:
        return errors
    if "title" in document:
        reply.title = document["title"].strip()
    if "body" in document:
        reply.body = document["body"]
    reply.updated_at = now
    return _save(s, reply)


def delete(s: Session, *, shop: Shop, reply: CannedReply) -> None:
    """Remove it; messages already sent with it keep their text."""
    s.delete(reply)


def preview(s: Session, *, shop: Shop, reply: CannedReply, ticket: Ticket) -> str:
    """The reply as it would be sent on this ticket."""
    return render_canned(s, shop=shop, ticket=ticket, template=reply.body)


def canned_json(reply: CannedReply) -> dict:
    return {"id": reply.id, "title": reply.title, "body": reply.body, "created_at": iso(reply.created_at),
            "updated_at": iso(reply.updated_at)}
