"""The database extension: one engine per app, one session per app context."""
from __future__ import annotations

from flask import Flask, current_app
from flask.globals import app_ctx
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

from shop_plugin.db import sqlite_local_date

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL lets readers run beside the writer; busy_timeout queues writers instead of failing; and the
    functions SQLite lacks that queries use (`local_date`, see shop_plugin.db)."""
    dbapi_conn.create_function("local_date", 2, sqlite_local_date, deterministic=True)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create the engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs a round trip on every checkout (every webhook). A connection that died
    # with its server fails one request (the receiver answers 503, Shopify retries) and is
    # discarded; recycling bounds the age of idle connections. An unreachable server fails the
    # request within connect_timeout instead of hanging it.
    return create_engine(url, pool_recycle=300, pool_size=10, max_overflow=10, pool_timeout=10,
                         connect_args={"connect_timeout": 5})


class Database:
    """Holds the engine and a scoped session removed at the end of every app context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        # One session per app context (not per thread), so a job run in a nested context
        # never shares or closes the session of the request that enqueued it.
        self.session_factory = sessionmaker(expire_on_commit=False)
        self.session = scoped_session(self.session_factory, scopefunc=lambda: id(app_ctx._get_current_object()))

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session_factory.configure(bind=self.engine)
        app.extensions["database"] = self
        app.teardown_appcontext(lambda _exc: self.session.remove())

    @property
    def is_sqlite(self) -> bool:
        return self.engine is not None and self.engine.dialect.name == "sqlite"


def database() -> Database:
    """The current app's database."""
    return current_app.extensions["database"]


def session() -> Session:
    """The current app context's session."""
    return current_app.extensions["database"].session()
