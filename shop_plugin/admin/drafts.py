"""What a form held when its page token had lapsed, kept so that its page shows it again.

A page token lives an hour (page_token.MAX_AGE) and a merchant may leave a ticket open longer than
that before sending the reply they typed. Such a post acts on nothing: it is bounced to the page
(pages.bounce), which reloads with a fresh token. Without this module the reply would be gone.

Only a token this app signed for this shop's page can leave a draft, and only for the staff member
and the page it names; the page's next verified GET for that member takes it (it is read once) and
fills the form with it, with a notice that nothing was sent. A draft is never acted on: the
merchant reads it and submits again. A draft older than a day is not shown; each new draft deletes
every such one.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.datastructures import MultiDict

from shop_plugin.db import UTCDateTime
from shop_plugin.extensions import Base

KEPT_FOR = timedelta(days=1)
MAX_CHARS = 100_000  # what a draft may hold in all; a larger form is not kept
NOT_KEPT = frozenset({"page_token"})


class FormDraft(Base):
    __tablename__ = "form_drafts"
    __table_args__ = (UniqueConstraint("shop_id", "user_id", "path", name="uq_form_drafts_shop_user_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))  # the page token's staff user; "" when it named none
    path: Mapped[str] = mapped_column(String(512))
    fields: Mapped[str] = mapped_column(Text)  # JSON list of [name, value], in the form's order
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _user(user_id) -> str:
    return "" if user_id is None else str(user_id)[:64]


def keep(s: Session, *, shop_id: int, user_id: str | int | None, path: str, form: MultiDict, now: datetime) -> bool:
    """Keep what `form` holds for this staff member's next visit to `path` (replacing an older draft);
    False when it holds nothing or too much. Commits."""
    pairs = [[name, value] for name, value in form.items(multi=True) if name not in NOT_KEPT]
    if not pairs or sum(len(n) + len(v) for n, v in pairs) > MAX_CHARS:
        return False
    if len(path) > FormDraft.__table__.c.path.type.length:
        return False
    user = _user(user_id)
    s.execute(delete(FormDraft).where(FormDraft.saved_at < now - KEPT_FOR))
    s.execute(delete(FormDraft).where(FormDraft.shop_id == shop_id, FormDraft.user_id == user,
                                      FormDraft.path == path))
    s.add(FormDraft(shop_id=shop_id, user_id=user, path=path, fields=json.dumps(pairs), saved_at=now))
    s.commit()
    return True


def take(s: Session, *, shop_id: int, user_id: str | int | None, path: str, now: datetime) -> MultiDict | None:
    """The draft this staff member left on `path`, once: it is deleted as it is read. None when there is
    none or it is older than KEPT_FOR. Commits only when it deleted something."""
    draft = s.scalars(select(FormDraft).where(FormDraft.shop_id == shop_id, FormDraft.user_id == _user(user_id),
                                              FormDraft.path == path)).one_or_none()
    if draft is None:
        return None
    s.delete(draft)
    s.commit()
    if draft.saved_at < now - KEPT_FOR:
        return None
    return MultiDict([tuple(pair) for pair in json.loads(draft.fields)])


def forget_shop(s: Session, *, shop_id: int) -> None:
    """Every draft of the shop (a customer's erasure: a draft may name them). Does not commit."""
    s.execute(delete(FormDraft).where(FormDraft.shop_id == shop_id))
