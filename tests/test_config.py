"""Configuration: clear one-line failures outside dev/test, sane defaults inside."""
from __future__ import annotations

import pytest

from shop_plugin import create_app
from shop_plugin.config import ConfigError, database_url, load
from tests.support import TOKEN_KEY

PRODUCTION = {
    "APP_ENV": "production", "SHOPIFY_API_KEY": "key", "SHOPIFY_API_SECRET": "secret",
    "SHOPIFY_APP_URL": "https://app.example.com", "SECRET_KEY": "s", "TOKEN_ENCRYPTION_KEY": TOKEN_KEY,
    "DATABASE_URL": "postgres://u:p@db.example.com:5432/shippromise",
}


def test_production_starts_with_every_required_value():
    config = load(PRODUCTION)
    assert config["DATABASE_URL"] == "postgresql+psycopg://u:p@db.example.com:5432/shippromise"
    assert config["SHOPIFY_API_VERSION"] == "2026-10"
    assert config["REDIS_URL"] is None and config["SHOPIFY_API_ORIGIN_OVERRIDE"] is None


@pytest.mark.parametrize("name", ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL", "SECRET_KEY",
                                  "TOKEN_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without(name):
    env = {k: v for k, v in PRODUCTION.items() if k != name}
    with pytest.raises(SystemExit) as exit_info:
        create_app(env=env)
    message = str(exit_info.value)
    assert name in message and "\n" not in message


@pytest.mark.parametrize("name,value,expected", [
    ("TOKEN_ENCRYPTION_KEY", "not-a-fernet-key", "Fernet"),
    ("SHOPIFY_APP_URL", "app.example.com", "absolute"),
    ("SHOPIFY_API_VERSION", "2026-13", "2026-10"),
    ("APP_ENV", "staging", "APP_ENV"),
    ("SHOPIFY_API_ORIGIN_OVERRIDE", "http://127.0.0.1:9100", "development and test only"),
    ("TRUSTED_PROXY_HOPS", "-1", "whole number"),
    ("INBOUND_RAW_RETENTION_DAYS", "0", "1 or more"),
    ("WEBHOOK_BODY_RETENTION_DAYS", "x", "1 or more"),
    ("DATABASE_URL", "garbage", "DATABASE_URL must be a database URL"),
    ("DATABASE_URL", "mysql://u:p@db/x", "PostgreSQL or SQLite"),
    ("REDIS_URL", "not-a-url", "REDIS_URL must be a redis://"),
    ("SMTP_URL", "nonsense", "SMTP_URL must be a smtp://"),
    ("SMTP_URL", "http://mail.example.com", "SMTP_URL"),
    ("WEBHOOK_MAX_ATTEMPTS", "five", "WEBHOOK_MAX_ATTEMPTS must be a whole number, 1 or more"),
    ("WEBHOOK_MAX_ATTEMPTS", "0", "1 or more"),
    ("SWEEP_GRACE_SECONDS", "1m", "SWEEP_GRACE_SECONDS"),
    ("STOREFRONT_CACHE_SECONDS", "-5", "STOREFRONT_CACHE_SECONDS"),
    ("INLINE_JOBS", "threads", "sync or thread"),
])
def test_malformed_values_are_named(name, value, expected):
    with pytest.raises(ConfigError, match=expected) as error:
        load({**PRODUCTION, name: value})
    assert "\n" not in str(error.value)


def test_a_malformed_database_url_is_not_repeated_in_the_message():
    with pytest.raises(ConfigError) as error:
        load({**PRODUCTION, "DATABASE_URL": "postgresql://admin:s3cret@db:notaport/x"})
    assert "s3cret" not in str(error.value)


def test_well_formed_service_urls_are_accepted():
    config = load({**PRODUCTION, "REDIS_URL": "rediss://:pw@cache.example.com:6380/0",
                   "SMTP_URL": "smtps://u:p@smtp.example.com:465", "DATABASE_URL": "sqlite:////var/lib/app.sqlite3"})
    assert config["REDIS_URL"].startswith("rediss://") and config["DATABASE_URL"] == "sqlite:////var/lib/app.sqlite3"


def test_development_runs_on_embedded_defaults():
    config = load({"APP_ENV": "development", "SHOPIFY_API_ORIGIN_OVERRIDE": "http://127.0.0.1:9100"})
    assert config["SHOPIFY_API_KEY"] and config["TOKEN_ENCRYPTION_KEY"]
    assert config["DATABASE_URL"].startswith("sqlite:///")
    assert config["DATABASE_URL"].endswith("instance/shippromise.sqlite3")
    assert config["INLINE_JOBS"] == "thread"


def test_database_url_accepts_heroku_style_postgres():
    assert database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
    assert database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_an_app_served_at_an_ip_address_gets_inbound_addresses_the_desk_accepts():
    """make run serves http://127.0.0.1:8000: shop@in.127.0.0.1 is no address, so every local inbound
    mail was unroutable."""
    from shop_plugin.helpdesk.mime import address

    config = load({"APP_ENV": "development", "SHOPIFY_APP_URL": "http://127.0.0.1:8000"})
    assert config["INBOUND_EMAIL_DOMAIN"] == "in.localhost"
    assert address(f"dev-store@{config['INBOUND_EMAIL_DOMAIN']}") == "dev-store@in.localhost"
    assert load(PRODUCTION)["INBOUND_EMAIL_DOMAIN"] == "in." + PRODUCTION["SHOPIFY_APP_URL"].split("//")[1].split(
        "/")[0].split(":")[0]
