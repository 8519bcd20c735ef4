"""Offline tokens: exchanged once, encrypted at rest, refreshed when due, one refresh at a time."""
from __future__ import annotations

import subprocess
import threading
from datetime import timedelta

from shopify_app import TokenExchangeAccessToken
from sqlalchemy import text, update

from shop_plugin.db import utcnow
from shop_plugin.extensions import session
from shop_plugin.shopify import tokens
from shop_plugin.shops import service as shops
from shop_plugin.shops.models import ShopToken
from tests.support import SHOP, fixture, session_token, signed_webhook

REFRESH = "refresh_token"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def install(client) -> None:
    assert client.get(f"/?shop={SHOP}&embedded=1&id_token={session_token()}").status_code == 200


def expire_access_token(app) -> None:
    with app.app_context():
        session().execute(update(ShopToken).values(expires_at=utcnow() + timedelta(seconds=30)))
        session().commit()


def stored_token(app):
    with app.app_context():
        return tokens.get(shop=shops.get(domain=SHOP))


def test_the_first_visit_exchanges_and_later_visits_reuse_the_token(app, client, fake_shopify):
    install(client)
    install(client)
    assert len(fake_shopify.grants(EXCHANGE)) == 1
    token = stored_token(app)
    assert token.token == "shpat_secret_access_1" and token.refresh_token == "shprt_secret_refresh_1"


def test_a_token_due_for_refresh_is_refreshed_and_replaced(app, client, fake_shopify):
    install(client)
    expire_access_token(app)
    install(client)
    assert len(fake_shopify.grants(REFRESH)) == 1
    assert fake_shopify.grants(REFRESH)[0]["refresh_token"] == "shprt_secret_refresh_1"
    assert stored_token(app).token == "shpat_secret_access_2"


def test_only_one_refresh_is_in_flight_per_shop(app, client, fake_shopify):
    install(client)
    expire_access_token(app)
    fake_shopify.refresh_delay = 0.3
    results, barrier = [], threading.Barrier(6)

    def use_token():
        with app.app_context():
            barrier.wait()
            token, failed = tokens.fresh(shop=shops.get(domain=SHOP))
            results.append((token.token if token else None, failed))

    threads = [threading.Thread(target=use_token) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_shopify.grants(REFRESH)) == 1
    assert {r for r in results} == {("shpat_secret_access_2", None)}


def test_an_expired_refresh_token_falls_back_to_a_new_exchange(app, client, fake_shopify):
    install(client)
    with app.app_context():
        past = utcnow() - timedelta(days=1)
        session().execute(update(ShopToken).values(expires_at=past, refresh_token_expires_at=past))
        session().commit()
    install(client)
    assert len(fake_shopify.grants(EXCHANGE)) == 2
    assert stored_token(app).token == "shpat_secret_access_2"


def test_tokens_are_not_readable_in_a_database_dump(app, client, database_url):
    install(client)
    if database_url.startswith("sqlite"):
        with app.app_context():
            raw = session().connection().connection.dbapi_connection
            dump = "\n".join(raw.iterdump())
    else:
        dump = subprocess.run(["pg_dump", "--data-only", database_url.replace("+psycopg", "")],
                              capture_output=True, text=True, check=True).stdout
    assert "shop_tokens" in dump
    assert "shpat_secret" not in dump and "shprt_secret" not in dump


def test_a_stored_token_decrypts_only_with_the_key(app, make_app, client):
    install(client)
    with app.app_context():
        blob = session().execute(text("SELECT access_token FROM shop_tokens")).scalar_one()
    assert b"shpat" not in bytes(blob)
    rotated = make_app(env={"TOKEN_ENCRYPTION_KEY": "Hr9mXWkN6O5z0tF4oQJc0cN8c6uUYbq1kEiJr3Vxv9c=," +
                            app.config["TOKEN_ENCRYPTION_KEY"]})
    assert stored_token(rotated).token == "shpat_secret_access_1"


def test_uninstall_deletes_the_tokens(app, client):
    install(client)
    signed_webhook(client, "app/uninstalled", fixture("app_uninstalled.rest_fixture.json"))
    assert stored_token(app) is None
    with app.app_context():
        assert not shops.get(domain=SHOP).is_installed


def test_reinstalling_after_uninstall_exchanges_again(app, client, fake_shopify):
    install(client)
    signed_webhook(client, "app/uninstalled", fixture("app_uninstalled.rest_fixture.json"))
    install(client)
    assert len(fake_shopify.grants(EXCHANGE)) == 2
    with app.app_context():
        assert shops.get(domain=SHOP).is_installed


def test_a_non_expiring_token_roundtrips_and_is_never_refreshed(app):
    with app.app_context():
        shop = shops.get_or_create(domain=SHOP)
        tokens.save(shop=shop, token=TokenExchangeAccessToken(
            access_mode="offline", shop="alpha-store", token="shpat_plain", scope="read_orders",
            refresh_token=None, expires=None, refresh_token_expires=None, user=None))
        token, failed = tokens.fresh(shop=shop)
    assert (token.token, failed) == ("shpat_plain", None)


def test_a_late_uninstall_from_before_a_reinstall_keeps_the_new_token(app, client):
    install(client)
    signed_webhook(client, "app/uninstalled", fixture("app_uninstalled.rest_fixture.json"),
                   **{"X-Shopify-Triggered-At": "2020-01-01T00:00:00Z"})
    assert stored_token(app) is not None
    with app.app_context():
        assert shops.get(domain=SHOP).is_installed


def test_install_reads_the_shops_time_zone_as_the_settings_default(app, client, fake_shopify):
    install(client)
    assert len(fake_shopify.graphql_calls("ShopProfile")) == 1
    settings = client.get("/api/settings", headers={"Authorization": f"Bearer {session_token()}"}).json["settings"]
    assert settings["timezone"] == "Asia/Seoul"
    install(client)
    assert len(fake_shopify.graphql_calls("ShopProfile")) == 1  # once per install, not per visit
