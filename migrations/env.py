"""Alembic environment: the models' metadata, the URL from the Flask app's config."""
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from shop_plugin.helpdesk.models import POSTGRES_ONLY_INDEXES
from shop_plugin.models import Base

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def include_name(name, type_, _parent_names) -> bool:
    """Autogenerate leaves alone the PostgreSQL-only indexes, which the models cannot declare."""
    return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                      literal_binds=True, render_as_batch=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                          include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
