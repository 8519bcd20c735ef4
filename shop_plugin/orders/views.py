"""GET /api/orders/<Shopify order id>: the order as ShipPromise holds it."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify

from shop_plugin.extensions import session
from shop_plugin.orders import service
from shop_plugin.orders.serialize import order_json
from shop_plugin.shopify.auth import admin_api

bp = Blueprint("orders", __name__)


@bp.get("/api/orders/<int:shopify_id>")
@admin_api
def get_order(shopify_id: int):
    order = service.get_order(session(), shop=g.shop, shopify_id=shopify_id)
    if order is None:
        abort(404)
    return jsonify(order_json(session(), shop=g.shop, order=order))
