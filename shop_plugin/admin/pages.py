"""App Home pages share one guard: verify, make sure the shop has a token, copy the CSP headers."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, make_response, render_template

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.helpdesk import staff
from shop_plugin.shopify.adapters import shopify_response
from shop_plugin.shopify.auth import ensure_offline_token, verify_app_home
from shop_plugin.shopify.client import shop_domain
from shop_plugin.shops import service as shops


def app_home_page(view):
    """Run `view` for a verified App Home request; it returns (template, context)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        result = verify_app_home()
        if not result.ok:
            return shopify_response(result)
        g.shop = shops.get_or_create(domain=shop_domain(result.shop))
        failure = ensure_offline_token(g.shop, result)
        if failure is not None:
            return shopify_response(failure)
        shops.mark_installed(shop=g.shop)
        g.staff = staff.seen(session(), shop=g.shop, user_id=result.user_id, now=utcnow())
        session().commit()
        template, context = view(*args, **kwargs)
        html = render_template(template, shop=g.shop, api_key=current_app.config["SHOPIFY_API_KEY"], **context)
        response = make_response(html)
        response.headers.update(result.response.headers)
        return response

    return wrapper
