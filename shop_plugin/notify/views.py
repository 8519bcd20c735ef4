"""Unsubscribe from delay notices (signed link in every notice).

POST unsubscribes: the page's button, and mail clients' one-click List-Unsubscribe (RFC 8058). GET
only shows that button, because mail security scanners open every link in a message, and a GET that
unsubscribed would silently stop the delay notices of every customer behind such a scanner."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from shop_plugin.extensions import session
from shop_plugin.notify import notices, optouts

bp = Blueprint("notify", __name__)


@bp.route("/n/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    who = notices.read_unsubscribe_token(token)
    if who is None:
        abort(404)
    if request.method != "POST":
        return render_template("notify/unsubscribe_confirm.html")
    optouts.opt_out(session(), shop_id=who[0], email=who[1])
    return render_template("notify/unsubscribed.html")
