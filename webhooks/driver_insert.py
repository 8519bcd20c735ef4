"""The receiver's one INSERT, written by SQLAlchemy once and run on a held DBAPI connection.

Every webhook delivery runs this statement and nothing else, and SQLAlchemy's per-execution work
(pool checkout and reset, the compiled-cache lookup, parameter processing through the compiled
object, result wrapping) cost as much CPU as the insert and commit themselves. So SQLAlchemy still
writes the SQL (from the table, for the engine's dialect: ON CONFLICT, RETURNING, PostgreSQL's
casts) and every value still goes through its column's own bind processor, so a row is stored
exactly as a Core insert would store it; only the execution skips the Core layer (SQLAlchemy's
"working with the DBAPI connection directly": `Engine.raw_connection`). Errors are raised as
SQLAlchemy's exception classes, as Core would raise them.

One pooled connection is held between calls (the group committer runs one batch at a time), in
autocommit, so a lone delivery costs one statement and one round trip. It is dropped after any
error, and given back to the pool every `HOLD_SECONDS` (out of autocommit, as it was lent) and
checked out again, so the pool's own upkeep (`pool_recycle`) reaches it as it reaches every other.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, bindparam
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

HOLD_SECONDS = 60


class DriverInsert:
    def __init__(self, engine: Engine, statement: Insert, columns: Sequence[str]) -> None:
        """`statement`: an INSERT … RETURNING of one table; `columns`: the keys every row will have."""
        dialect = engine.dialect
        compiled = statement.values({name: bindparam(name) for name in columns}).compile(dialect=dialect)
        table_columns = statement.table.c
        self.engine, self.sql = engine, compiled.string
        self._positions = compiled.positiontup  # None for named parameter styles (psycopg's pyformat)
        self._convert = [(name, table_columns[name].type.dialect_impl(dialect).bind_processor(dialect))
                         for name in (self._positions or columns)]
        self._dbapi_error = dialect.loaded_dbapi.Error
        self._lock = threading.Lock()
        self._connection: Any = None
        self._opened_at = 0.0

    def __call__(self, rows: list[dict]) -> list[tuple]:
        """Insert the rows and commit them together; the rows RETURNING gave, in order. The connection is
        in autocommit: one row is one statement, committed by the database as it runs (one round trip,
        no BEGIN or COMMIT); several are wrapped in BEGIN … COMMIT, so they share one commit."""
        params = [self._parameters(row) for row in rows]
        with self._lock:
            try:
                connection = self._connect()
                cursor = connection.cursor()
                try:
                    returned = []
                    if len(params) > 1:
                        cursor.execute("BEGIN")
                    for one in params:
                        cursor.execute(self.sql, one)
                        returned.extend(cursor.fetchall())
                    if len(params) > 1:
                        cursor.execute("COMMIT")
                finally:
                    cursor.close()  # an open statement would keep SQLite's write lock past the rollback
                return returned
            except BaseException as exc:
                self._discard()
                if isinstance(exc, self._dbapi_error):
                    raise DBAPIError.instance(self.sql, params, exc, self._dbapi_error, dialect=self.engine.dialect,
                                              ismulti=len(params) > 1) from exc
                raise

    def close(self) -> None:
        """Give the held connection back to the pool (app shutdown, tests, every HOLD_SECONDS), as the pool
        lent it: out of autocommit."""
        with self._lock:
            self._give_back()

    def _parameters(self, row: dict) -> Sequence | dict:
        if self._positions is not None:
            return [convert(row[name]) if convert else row[name] for name, convert in self._convert]
        return {name: convert(row[name]) if convert else row[name] for name, convert in self._convert}

    def _connect(self) -> Any:
        if self._connection is not None and time.monotonic() - self._opened_at > HOLD_SECONDS:
            self._give_back()
        if self._connection is None:
            connection = self.engine.raw_connection()
            self.engine.dialect.set_isolation_level(connection.dbapi_connection, "AUTOCOMMIT")
            self._connection, self._opened_at = connection, time.monotonic()
        return self._connection

    def _give_back(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self.engine.dialect.reset_isolation_level(connection.dbapi_connection)
            connection.close()

    def _discard(self) -> None:
        """After an error the connection's state is unknown (aborted transaction, broken socket): roll back
        what can be, and drop it from the pool for good rather than hand it to anyone again."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.rollback()  # ends a BEGIN … COMMIT that failed half way
        except self._dbapi_error:
            pass  # broken: closing it is all that is left
        connection.invalidate()
