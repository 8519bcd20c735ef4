"""One-click unsubscribe from delay notices (signed link in every notice)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from shop_plugin.extensions import session
from shop_plugin.notify import notices

bp = Blueprint("notify", __name__)


@bp.route("/n/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET from the link, POST from mail clients' one-click List-Unsubscribe."""
    who = notices.read_unsubscribe_token(token)
    if who is None:
        abort(404)
    notices.opt_out(session(), shop_id=who[0], email=who[1])
    return render_template("notify/unsubscribed.html")
