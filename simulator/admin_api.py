"""The store's Admin API as the app reaches it: the OAuth token endpoint and GraphQL."""
from __future__ import annotations

import hmac

import jwt
from flask import Blueprint, Response, jsonify, request

from simulator.context import Simulator, current, shop_domain
from simulator.gql_resolvers import execute

bp = Blueprint("admin_api", __name__)

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
REQUESTED_TYPES = {
    "urn:shopify:params:oauth:token-type:offline-access-token": False,
    "urn:shopify:params:oauth:token-type:online-access-token": True,
}
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def request_shop(sim: Simulator) -> str:
    """The shop asked for: the app in development names it in X-Forwarded-Host, since it
    sends all Shopify traffic to this one origin; a direct *.myshopify.com Host (tests) also counts."""
    forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
    host = request.host.split(":")[0]
    if forwarded:
        return shop_domain(forwarded)
    return host if host.endswith(".myshopify.com") else sim.shop.domain


def oauth_error(error: str, description: str, status: int = 400) -> tuple[Response, int]:
    return jsonify(error=error, error_description=description), status


@bp.before_request
def known_shop() -> tuple[Response, int] | None:
    """A real request for a shop that does not exist gets a 404; so does one for any shop but ours."""
    if request_shop(current()) != current().shop.domain:
        return jsonify(errors="Not Found"), 404
    return None


@bp.post("/admin/oauth/access_token")
def access_token() -> Response | tuple[Response, int]:
    sim = current()
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        return oauth_error("invalid_request", "The request body must be JSON or a form")
    cfg = sim.config
    if not (hmac.compare_digest(str(data.get("client_id", "")), cfg["API_KEY"])
            and hmac.compare_digest(str(data.get("client_secret", "")), cfg["API_SECRET"])):
        return oauth_error("invalid_client", "Client authentication failed")
    grant = data.get("grant_type")
    if grant == "refresh_token":
        issued = sim.tokens.refresh(sim.shop.domain, str(data.get("refresh_token", "")))
        if issued is None:
            return oauth_error("invalid_grant", "The refresh token is invalid, expired or already used")
        return jsonify(issued)
    if grant != TOKEN_EXCHANGE:
        return oauth_error("unsupported_grant_type", f"Unsupported grant_type {grant!r}")
    requested = data.get("requested_token_type")
    if data.get("subject_token_type") != ID_TOKEN_TYPE or requested not in REQUESTED_TYPES:
        return oauth_error("invalid_request", "subject_token_type or requested_token_type is not supported")
    try:
        claims = jwt.decode(str(data.get("subject_token", "")), cfg["API_SECRET"], algorithms=["HS256"],
                            audience=cfg["API_KEY"], leeway=10, options={"require": ["exp", "dest"]})
    except jwt.PyJWTError as exc:
        return oauth_error("invalid_subject_token", f"The subject token is invalid: {exc}")
    if shop_domain(str(claims["dest"]).removeprefix("https://")) != sim.shop.domain:
        return oauth_error("invalid_subject_token", "The subject token was issued for another shop")
    online = REQUESTED_TYPES[requested]
    expiring = str(data.get("expiring", "0")) == "1"
    return jsonify(sim.tokens.issue(sim.shop.domain, cfg["SCOPES"], expiring=expiring, online=online))


@bp.post("/admin/api/<version>/graphql.json")
def graphql(version: str) -> Response | tuple[Response, int]:
    sim = current()
    if sim.tokens.shop_for(request.headers.get("X-Shopify-Access-Token", "")) != sim.shop.domain:
        return jsonify(errors=INVALID_TOKEN), 401
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(errors={"query": "Required parameter missing or invalid"}), 400
    response = jsonify(execute(sim, body))
    response.headers["X-Shopify-API-Version"] = version
    return response
