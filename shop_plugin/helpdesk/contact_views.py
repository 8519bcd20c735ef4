"""The contact form on the storefront, through the app proxy: GET shows it, POST sends it.

Both are verified as app proxy requests (Shopify signs the query string). The page is plain
HTML, not Liquid, so nothing a customer typed can ever run as a theme template. The form posts
back to the page's own storefront URL, which Shopify signs again.

Rate limits (the `limits` library; Redis when REDIS_URL is set, else memory) count only verified
requests: per shop and customer IP, per shop, and per sender address. A 429 page says how long to
wait.

The customer's IP is the X-Forwarded-For entry Shopify added, counted from the right past the
TRUSTED_PROXY_HOPS proxies of our own deployment (a PaaS router appends one). Entries to its left
came with the customer's request and are theirs to invent, so they are never used."""
from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, g, jsonify, render_template, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import RequestEntityTooLarge

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import contact, phrases
from shop_plugin.shopify.adapters import proxy_req, shopify_response
from shop_plugin.shopify.client import shop_domain, shopify
from shop_plugin.shops import service as shops

log = logging.getLogger(__name__)
bp = Blueprint("contact", __name__)
PER_VISITOR = "5 per 10 minutes;20 per day"
PER_SENDER = "3 per 10 minutes;10 per day"
PER_SHOP = "300 per hour"
PAGE_HEADERS = {"Cache-Control": "no-store"}  # the CSP is the app's default for pages outside App Home


@bp.record_once
def _init_limiter(state) -> None:
    """One rate limiter per app: its storage follows the app's REDIS_URL (RATELIMIT_STORAGE_URI overrides)."""
    app = state.app
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    # Only the form's own hits are counted: no app-wide request hooks (the webhook path stays lean).
    app.extensions["contact_limiter"] = FixedWindowRateLimiter(storage_from_string(storage))


def _prefix(config) -> str:
    return config.get("RATELIMIT_KEY_PREFIX") or "contact-form"


def _over(rule: str, key: str) -> int | None:
    """Count one hit on each limit of `rule` for `key`: seconds to wait when one is used up, else None.
    Hits are counted straight on the limiter's strategy, so concurrent requests never share a key
    function; a storage outage lets the customer through."""
    strategy, prefix = current_app.extensions["contact_limiter"], _prefix(current_app.config)
    try:
        for item in parse_many(rule):
            if not strategy.hit(item, prefix, key):
                return max(1, int(strategy.get_window_stats(item, prefix, key).reset_time - time.time()) + 1)
    except Exception:  # noqa: BLE001 - better an unlimited form than a broken one
        log.exception("contact form rate limit storage unavailable")
    return None


def _visitor_ip() -> str:
    position = current_app.config["TRUSTED_PROXY_HOPS"] + 1  # our proxies' entries, then Shopify's
    entries = [entry.strip() for entry in request.headers.get("X-Forwarded-For", "").split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) >= position:
        return entries[-position][:64]
    return request.remote_addr or "unknown"


def _lang() -> str:
    asked = request.args.get("locale")  # the form posts back to its own URL, query string included
    return phrases.lang_of(asked) if asked else (request.accept_languages.best_match(phrases.LANGUAGES) or "en")


def _page(template: str, status: int = 200, **context):
    lang = g.get("lang") or _lang()
    body = render_template(f"helpdesk/{template}", lang=lang, words=phrases.TEXT[lang], **context)
    return body, status, {**PAGE_HEADERS, "Content-Language": lang}


def _verified_shop():
    """(shop, None) for a verified request from an installed shop, else (None, the response to give)."""
    result = shopify().verify_app_proxy_req(proxy_req(request))
    if not result.ok:
        return None, shopify_response(result)
    shop = shops.get(domain=shop_domain(result.shop))
    if shop is None or not shop.is_installed:
        return None, (jsonify(errors={"shop": "not installed"}), 404)
    return shop, None


@bp.route("/proxy/contact", methods=["GET", "POST"])
def contact_page():
    request.max_content_length = contact.MAX_FORM
    shop, refusal = _verified_shop()
    if refusal is not None:
        return refusal
    g.lang = _lang()
    hours = contact.support_hours(session(), shop=shop, lang=g.lang)
    if request.method == "GET":
        return _page("contact_form.html", form={}, errors={}, hours=hours)
    wait = _over(PER_VISITOR, f"{shop.id}:ip:{_visitor_ip()}") or _over(PER_SHOP, f"{shop.id}:shop")
    if wait:
        return _too_many(wait)
    if request.form.get("website"):  # the honeypot: people never see it, bots fill it in
        return _page("contact_thanks.html", reply_by=None)
    form, errors = contact.read(request.form, g.lang)
    if errors:
        return _page("contact_form.html", 422, form=form, errors=errors, hours=hours)
    wait = _over(PER_SENDER, f"{shop.id}:email:{form.email.lower()}")
    if wait:
        return _too_many(wait)
    reply_by = contact.submit(session(), shop=shop, form=form, lang=g.lang, now=utcnow(),
                              customer_id=_logged_in_customer())
    return _page("contact_thanks.html", reply_by=reply_by)


def _logged_in_customer() -> int | None:
    """The logged-in customer Shopify put in the signed query. Given twice (a visitor's own and
    Shopify's, signed together as one value), it proves nothing."""
    values = request.args.getlist("logged_in_customer_id")
    return int(values[0]) if len(values) == 1 and values[0].isdigit() else None


def _too_many(wait: int):
    body, status, headers = _page("contact_limited.html", 429, minutes=max(1, -(-wait // 60)))
    return body, status, {**headers, "Retry-After": str(wait)}


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    return _page("contact_limited.html", 413, too_large=True)
