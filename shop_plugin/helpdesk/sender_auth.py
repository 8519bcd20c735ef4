"""Whether an inbound mail's From address is really its sender's.

Anyone can write any From. The receiving mail server (the inbound provider) checks SPF, DKIM and
DMARC and writes what it found into an `Authentication-Results` header (RFC 8601), named by its
authserv-id. Only headers carrying the id configured as INBOUND_AUTHSERV_ID are read (a sender can
add headers of its own); of those, the topmost, which the provider added last. The From address
counts as verified when DMARC passed for its domain, or DKIM or SPF passed for a domain aligned
with it (the same domain, or one a subdomain of the other).
"""
from __future__ import annotations

import logging
from email.message import EmailMessage

import authres

log = logging.getLogger(__name__)
PASS = "pass"


def verified(message: EmailMessage, sender: str | None, authserv_id: str | None) -> bool | None:
    """True: the provider vouches for the From domain. False: it checked and nothing passed for it.
    None: not checked (no INBOUND_AUTHSERV_ID, no sender, or no header of the provider's)."""
    if not authserv_id or not sender or "@" not in sender:
        return None
    results = _providers_results(message, authserv_id.lower())
    if results is None:
        return None
    domain = sender.rpartition("@")[2].lower()
    for result in results:
        if str(result.result).lower() != PASS:
            continue
        method = str(result.method).lower()
        checked = {"dmarc": _prop(result, "header", "from") or domain,
                   "dkim": _prop(result, "header", "d"),
                   "spf": _prop(result, "smtp", "mailfrom").rpartition("@")[2]}.get(method)
        if checked and _aligned(checked.lower(), domain):
            return True
    return False


def _providers_results(message: EmailMessage, authserv_id: str) -> list | None:
    for value in message.get_all("Authentication-Results") or []:
        try:
            header = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
        except Exception:  # noqa: BLE001 - a header we cannot read vouches for nothing
            log.info("unreadable Authentication-Results header ignored")
            continue
        if str(header.authserv_id).lower() == authserv_id:
            return list(header.results)
    return None


def _prop(result, kind: str, name: str) -> str:
    return next((str(p.value) for p in result.properties if p.type == kind and p.name == name), "")


def _aligned(checked: str, domain: str) -> bool:
    """DMARC's relaxed alignment, without the public suffix list: a DKIM signature or SPF pass for
    a public suffix (co.uk) cannot exist, so "one is a subdomain of the other" is safe."""
    return checked == domain or domain.endswith("." + checked) or checked.endswith("." + domain)
