"""One app per fuzz module (hypothesis runs many examples per test), on SQLite and PostgreSQL;
a module whose endpoints barely touch the database narrows it to SQLite with
`pytestmark = pytest.mark.parametrize("fuzz_app", ["sqlite"], indirect=True, scope="module")`."""
from __future__ import annotations

import shutil

import pytest

from shop_plugin import create_app
from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.shops import service as shops
from tests.conftest import base_env, need_service, truncate_all
from tests.support import OTHER_SHOP, SHOP, FakeShopify


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_app(request, tmp_path_factory):
    """The real app with jobs inline and Shopify faked at the HTTP layer; SHOP is installed,
    OTHER_SHOP known but not installed."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
        if isinstance(url, Exception):
            need_service("PostgreSQL", str(url).strip().splitlines()[0])
    app = create_app({"SHOPIFY_TRANSPORT": FakeShopify().transport()}, env=base_env(url))
    with app.app_context():
        for domain in (SHOP, OTHER_SHOP):
            shops.get_or_create(domain=domain)
        shops.get(domain=SHOP).installed_at = utcnow()
        session().commit()
    yield app
    app.extensions["database"].engine.dispose()
    if request.param == "postgresql":
        truncate_all(url)
