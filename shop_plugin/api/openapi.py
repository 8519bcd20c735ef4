"""The OpenAPI 3.1 document of the JSON API, assembled once per process."""
from __future__ import annotations

from functools import cache

from shop_plugin.api import components, paths
from shop_plugin.api.schema import json_body, ref

ERROR_RESPONSES = {
    "BadQuery": json_body(ref("FieldErrors"), "a query parameter is wrong; errors names each"),
    "Unauthorized": json_body(ref("Error"), "no valid Shopify session token"),
    "NotFound": json_body(ref("Error"), "no such resource in this shop"),
    "Conflict": json_body({"anyOf": [ref("Error"), ref("FieldErrors")]}, "the resource's state forbids this now"),
    "InvalidBody": json_body(ref("FieldErrors"), "the body is not a JSON object, or a field is wrong"),
}
SECURITY_SCHEMES = {
    "session_token": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                      "description": "the Shopify session (ID) token App Bridge adds to the embedded admin's requests"},
    "extension_token": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                        "description": "a checkout or customer-account UI extension session token"},
}


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "ShipPromise API", "version": "1",
                 "description": "The JSON API of the embedded admin (and the storefront promise). Times are "
                                "UTC ISO-8601; money is a decimal string in the order's currency."},
        "security": [{"session_token": []}],
        "tags": [{"name": name} for name in ("helpdesk", "settings", "orders", "refunds", "disputes", "stats",
                                             "operations", "storefront")],
        "paths": {**paths.HELPDESK, **paths.SHOP},
        "components": {
            "securitySchemes": SECURITY_SCHEMES,
            "schemas": {**components.HELPDESK, **components.SHOP, **components.ERRORS, **components.settings()},
            "responses": ERROR_RESPONSES,
        },
    }
