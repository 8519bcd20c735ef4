"""GET /csat/<token>: the one-click rating from the survey email; POST adds a comment."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import csat, phrases
from shop_plugin.helpdesk.contact_views import PAGE_HEADERS
from shop_plugin.shops.models import Shop

bp = Blueprint("csat", __name__)
MAX_FORM = 16 * 1024


@bp.route("/csat/<token>", methods=["GET", "POST"])
def rate(token: str):
    s = session()
    found = csat.ticket_for(s, token)
    if found is None:
        titles = {code: phrases.TEXT[code]["csat_invalid_title"] for code in phrases.LANGUAGES}
        page = render_template("helpdesk/csat_invalid.html", lang="en", titles=titles, reasons=phrases.INVALID_LINK)
        return page, 400, PAGE_HEADERS
    ticket, rating = found
    shop, now = s.get(Shop, ticket.shop_id), utcnow()
    comment = None
    if request.method != "HEAD":  # link checkers in mail systems look without clicking: record nothing
        csat.rate(s, shop=shop, ticket=ticket, rating=rating, now=now)
    if request.method == "POST":
        request.max_content_length = MAX_FORM
        comment = csat.comment(s, shop=shop, ticket=ticket, text=request.form.get("comment", ""), now=now) or None
    s.commit()
    lang = phrases.lang_of(ticket.locale)
    page = render_template("helpdesk/csat_thanks.html", lang=lang, words=phrases.TEXT[lang],
                           rating=ticket.csat_rating or rating, comment=comment)
    return page, 200, PAGE_HEADERS
