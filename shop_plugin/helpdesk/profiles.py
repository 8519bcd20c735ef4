"""What staff may change about themselves and each other: the name and email the desk shows."""
from __future__ import annotations

from sqlalchemy.orm import Session

from shop_plugin.helpdesk import staff as staff_service
from shop_plugin.helpdesk.models import StaffMember
from shop_plugin.promises.settings import EMAIL_RE
from shop_plugin.shops.models import Shop

FIELDS = ("name", "email")
MAX_NAME = 200
MAX_EMAIL = 320


def _errors(document) -> dict[str, str]:
    if not isinstance(document, dict):
        return {"": "request body must be a JSON object"}
    errors = {key: "unknown field; allowed: name, email" for key in set(document) - set(FIELDS)}
    name, email = document.get("name"), document.get("email")
    if name is not None and not (isinstance(name, str) and len(name.strip()) <= MAX_NAME and "\x00" not in name):
        errors["name"] = f"must be text of at most {MAX_NAME} characters, or null"
    if email not in (None, "") and not (isinstance(email, str) and len(email) <= MAX_EMAIL
                                        and EMAIL_RE.fullmatch(email) and "\x00" not in email):
        errors["email"] = "must be an email address, or null"
    return errors


def update(s: Session, *, shop: Shop, member: StaffMember, document) -> dict[str, str]:
    """Set the name and/or email given (null or "" clears one); field errors, nothing changed on any."""
    errors = _errors(document)
    if errors:
        return errors
    name = document["name"].strip() if isinstance(document.get("name"), str) else document.get("name", member.name)
    email = document.get("email", member.email)
    staff_service.rename(s, shop=shop, staff_id=member.id, name=name, email=email)
    return {}
