"""The shop's staff: everyone who opened the app, known by the user id in their session token."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop_plugin.db import insert_ignore
from shop_plugin.helpdesk.models import StaffMember
from shop_plugin.shops.models import Shop

SEEN_RESOLUTION = timedelta(minutes=5)  # last_seen_at is written at most this often


def seen(s: Session, *, shop: Shop, user_id: int | str | None, now: datetime) -> StaffMember | None:
    """Record that this staff member opened the app; returns them (None without a user id)."""
    if user_id in (None, ""):
        return None
    user_id = int(user_id)
    member = _find(s, shop, user_id)  # known staff (nearly every request) cost one SELECT
    if member is None:
        insert_ignore(s, StaffMember.__table__, {"shop_id": shop.id, "user_id": user_id, "first_seen_at": now,
                                                 "last_seen_at": now}, ["shop_id", "user_id"])
        member = _find(s, shop, user_id)
    if now - member.last_seen_at > SEEN_RESOLUTION:
        s.execute(update(StaffMember).where(StaffMember.id == member.id).values(last_seen_at=now))
    return member


def _find(s: Session, shop: Shop, user_id: int) -> StaffMember | None:
    return s.scalars(select(StaffMember).where(StaffMember.shop_id == shop.id,
                                               StaffMember.user_id == user_id)).one_or_none()


def get_all(s: Session, *, shop: Shop) -> list[StaffMember]:
    return list(s.scalars(select(StaffMember).where(StaffMember.shop_id == shop.id).order_by(StaffMember.id)))


def get(s: Session, *, shop: Shop, staff_id: int) -> StaffMember | None:
    return s.scalars(select(StaffMember).where(StaffMember.shop_id == shop.id,
                                               StaffMember.id == staff_id)).one_or_none()


def display_name(member: StaffMember | None) -> str:
    if member is None:
        return "Unassigned"
    return member.name or member.email or f"Staff member {member.user_id}"


def rename(s: Session, *, shop: Shop, staff_id: int, name: str | None, email: str | None) -> StaffMember | None:
    member = get(s, shop=shop, staff_id=staff_id)
    if member is not None:
        member.name, member.email = (name or None), (email or None)
    return member
