"""The OpenAPI document describes the API as it is, checked by Schemathesis against the running app.

Every operation gets generated requests (valid and invalid) with a valid session token for a
seeded shop; the checks: no server error, every status code documented, every body as
documented (types, required fields, nulls)."""
from __future__ import annotations

import re
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shop_plugin import create_app
from shop_plugin.api.openapi import document
from shop_plugin.promises import storefront_endpoints
from tests.api_contract.seed import seed
from tests.conftest import REQUIRE_SERVICES, base_env, need_service, truncate_all
from tests.support import FakeShopify, bearer, extension_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"seed": 1, "phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)


@pytest.fixture(scope="module")
def seeded_app(request, tmp_path_factory):
    """One seeded app for all operations (seeding per operation would be slow), on PostgreSQL: the
    production database, and the strict one (32-bit ids, no NUL in text, bounded varchars). Where
    PostgreSQL is not reachable and not required, on SQLite."""
    url = request.getfixturevalue("pg_url")
    if isinstance(url, Exception):
        if REQUIRE_SERVICES:
            need_service("PostgreSQL", str(url).strip().splitlines()[0])
        path = tmp_path_factory.mktemp("contract") / "db.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    app = create_app({"SHOPIFY_TRANSPORT": FakeShopify().transport()}, env=base_env(url))
    seed(app)
    yield app
    app.extensions["database"].engine.dispose()
    if url.startswith("postgresql"):
        truncate_all(url)


def test_the_document_is_served_without_a_session_token(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.json == document()
    assert response.json["openapi"].startswith("3.1")


def test_every_api_route_is_documented_and_every_documented_operation_exists(app):
    documented = {(path, method.upper()) for path, item in document()["paths"].items()
                  for method in item if method != "parameters"}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
            served |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    served |= {(path, method) for path, route in storefront_endpoints.ROUTES.items() if path.startswith("/api/")
               for method in set(route.methods) - {"HEAD", "OPTIONS"}}  # mounted in front of the routing
    assert documented == served


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case, seeded_app):
    token = extension_token() if case.path == "/api/checkout/promise" else None
    headers = {"Authorization": f"Bearer {token}"} if token else bearer()
    case.call_and_validate(app=seeded_app, headers=headers, checks=CHECKS)
