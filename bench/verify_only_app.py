"""Control V: shopifyapp's verification and nothing else, served by the same gunicorn.conf.py.

Each route verifies its request exactly as the app does (the same adapter, the same shopifyapp
call) and then answers like the bare apps: the webhook 200 empty (nothing stored), the promise
endpoints a promise-sized JSON body (nothing read). So V / bare is the most any implementation
that verifies with shopifyapp can reach on this machine, and app / V is what the app's own work
(storing, caching, rendering) costs on top of it. See BENCHMARKS.md.
"""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from shopify_app import ShopifyApp

from bench.bare_read_app import BODY
from shop_plugin.shopify import verification_logs
from shop_plugin.shopify.adapters import extension_req, proxy_req, shopify_response, webhook_req

app = Flask(__name__)
verifier = ShopifyApp(client_id=os.environ["SHOPIFY_API_KEY"], client_secret=os.environ["SHOPIFY_API_SECRET"],
                      old_client_secret=os.environ.get("SHOPIFY_API_SECRET_OLD"))
verification_logs.install()  # as the app does: the log records of its verifications (see there)


@app.post("/webhooks")
def webhook():
    raw = request.get_data(cache=True)
    result = verifier.verify_webhook_req(webhook_req(request.environ, raw.decode("utf-8", "replace")))
    return ("", 200) if result.ok else shopify_response(result)


@app.get("/proxy/promise")
def proxy():
    result = verifier.verify_app_proxy_req(proxy_req(request))
    return jsonify(BODY) if result.ok else shopify_response(result)


@app.get("/api/checkout/promise")
def checkout():
    result = verifier.verify_checkout_ui_ext_req(extension_req(request))
    return jsonify(BODY) if result.ok else shopify_response(result)
