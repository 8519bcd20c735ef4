"""Alembic revisions upgrade and downgrade on SQLite and PostgreSQL, and match the models."""
from __future__ import annotations

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from shop_plugin import create_app
from shop_plugin.cli import alembic_config
from shop_plugin.helpdesk.models import POSTGRES_ONLY_INDEXES
from shop_plugin.models import Base
from tests.conftest import PG_ADMIN, base_env


def _empty_database(database_url: str, tmp_path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/fresh.sqlite3"
    name = "shippromise_migrations_" + tmp_path.name[-20:].replace("-", "_").lower()
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def test_upgrade_downgrade_upgrade_leaves_the_schema_of_the_models(database_url, tmp_path):
    url = _empty_database(database_url, tmp_path)
    app = create_app(env=base_env(url))
    with app.app_context():
        cfg = alembic_config()
        cfg.attributes["configure_logger"] = False
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "base")
        engine = create_engine(app.config["DATABASE_URL"])
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            # The PostgreSQL-only GIN indexes of ticket search are not on the models
            # (tests/helpdesk_api/test_search.py checks them).
            include = {"include_name": lambda name, type_, _parents: not (
                type_ == "index" and name in POSTGRES_ONLY_INDEXES)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=include), Base.metadata)
        engine.dispose()
    app.extensions["database"].engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    if not url.startswith("sqlite"):
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_webhook_bodies_are_compressed_with_lz4_on_postgresql_and_back_to_the_default_on_downgrade(
        database_url, tmp_path):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite does not compress values; the revision does nothing there")
    url = _empty_database(database_url, tmp_path)
    app = create_app(env=base_env(url))
    method = ("SELECT attcompression FROM pg_attribute "
              "WHERE attrelid = 'webhook_events'::regclass AND attname = 'body'")
    try:
        with app.app_context():
            cfg = alembic_config()
            cfg.attributes["configure_logger"] = False
            command.upgrade(cfg, "head")
            with psycopg.connect(url) as conn:
                assert conn.execute(method).fetchone()[0] == "l"
            command.downgrade(cfg, "d5e7a9c1f444")
            with psycopg.connect(url) as conn:
                assert conn.execute(method).fetchone()[0] == ""
    finally:
        app.extensions["database"].engine.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
