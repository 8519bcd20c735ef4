"""Whether an inbound mail's From address is really its sender's.

Anyone can write any From. The receiving mail server (the inbound provider) checks SPF, DKIM and
DMARC and writes what it found into an `Authentication-Results` header (RFC 8601) that starts with
its authserv-id, set as INBOUND_AUTHSERV_ID. The provider adds its header on top of the mail and
removes any that arrived carrying its id, so the first header from the top naming that id is the
provider's: only that one is read, as raw text (MIME encoded words in it are an envelope sender's
characters, not header syntax), and one that cannot be read vouches for nothing.

The From address is verified when the provider says DMARC passed for exactly its domain, or DKIM
or SPF passed for exactly its domain (DMARC's relaxed alignment needs the public suffix list; the
provider's DMARC verdict covers it). A mail with more than one From, or more than one address in
it, is never verified: which one would the provider have checked?
"""
from __future__ import annotations

import logging
import re
from email import errors
from email.message import EmailMessage

import authres

log = logging.getLogger(__name__)
MAX_HEADER = 8 * 1024  # characters of the provider's header parsed; a longer one is not read
_FOLD = re.compile(r"\r?\n[ \t]")
_AUTHSERV_ID = re.compile(r'\s*(?:\([^)]*\)\s*)*"?([^\s;"()]+)')  # after comments, maybe quoted
# "kim@x <mallory@x>" and the like: the parser keeps one address and notes these; the provider may
# have read the other.
_AMBIGUOUS = (errors.InvalidHeaderDefect, errors.ObsoleteHeaderDefect)


def verified(message: EmailMessage, sender: str | None, authserv_id: str | None,
             headers_cut: bool = False) -> bool | None:
    """True: the provider vouches for the From domain. False: the domain's DMARC check failed, or the
    mail has several From addresses. None: not verified (nothing configured, no provider header, no
    DMARC policy to go by, a header that cannot be read, or `headers_cut`: the parser's size limits
    dropped or cut headers, so what was read is not all the provider saw)."""
    if not authserv_id or not sender or "@" not in sender or headers_cut:
        return None
    try:
        froms = message.get_all("From") or []
        addresses = list(froms[0].addresses) if len(froms) == 1 else []
        malformed = len(froms) == 1 and any(isinstance(d, _AMBIGUOUS) for d in froms[0].defects)
    except Exception:  # noqa: BLE001 - a From the parser cannot read names no one
        return None
    if len(froms) > 1 or len(addresses) > 1:
        return False  # which one would the provider have checked?
    if malformed or len(addresses) != 1 or addresses[0].addr_spec.lower() != sender.lower():
        return None  # no readable From (the sender came from Sender:), or one the parser had to guess at
    results = _providers_results(message, authserv_id.lower())
    if results is None:
        return None
    domain = sender.rpartition("@")[2].lower()
    verdict = None
    for result in results:
        method, outcome = str(getattr(result, "method", "")).lower(), str(getattr(result, "result", "")).lower()
        checked = _domain(_checked_identity(result, method))
        if checked != domain:
            continue
        if outcome == "pass":
            return True
        if method == "dmarc" and outcome == "fail":
            verdict = False
    return verdict


def _providers_results(message: EmailMessage, authserv_id: str) -> list | None:
    """The results of the first header naming the provider, or None (absent, too long, unreadable)."""
    for name, raw in message.raw_items():
        if name.lower() != "authentication-results":
            continue
        value = _FOLD.sub(" ", str(raw)).strip()
        named = _AUTHSERV_ID.match(value)
        if named is None or named.group(1).lower() != authserv_id:
            continue
        if len(value) > MAX_HEADER:
            return None
        try:
            return list(authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}").results)
        except Exception:  # noqa: BLE001 - the provider's header, unreadable: it vouches for nothing
            log.info("the inbound provider's Authentication-Results header could not be read")
            return None
    return None


def _checked_identity(result, method: str) -> str:
    """The identity the result is about: DMARC's From domain (required), DKIM's signing domain (or
    its agent identity), SPF's envelope sender."""
    if method == "dmarc":
        return _prop(result, "header", "from")
    if method == "dkim":
        return _prop(result, "header", "d") or _prop(result, "header", "i")
    if method == "spf":
        return _prop(result, "smtp", "mailfrom")
    return ""


def _prop(result, kind: str, name: str) -> str:
    return next((str(p.value) for p in getattr(result, "properties", ())
                 if str(p.type).lower() == kind and str(p.name).lower() == name), "")


def _domain(identity: str) -> str:
    return identity.rpartition("@")[2].strip().rstrip(".").lower()
