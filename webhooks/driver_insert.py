"""The receiver's one INSERT, written by SQLAlchemy once and run on a held DBAPI connection.

Every webhook delivery runs this statement and nothing else, and SQLAlchemy's per-execution work
(pool checkout and reset, the compiled-cache lookup, parameter processing through the compiled
object, result wrapping) cost as much CPU as the insert and commit themselves. So SQLAlchemy still
writes the SQL (from the table, for the engine's dialect: ON CONFLICT, RETURNING, PostgreSQL's
casts) and every value still goes through its column's own bind processor, so a row is stored
exactly as a Core insert would store it; only the execution skips the Core layer (SQLAlchemy's
"working with the DBAPI connection directly": `Engine.raw_connection`). Errors are raised as
SQLAlchemy's exception classes, as Core would raise them.

A batch of rows is one statement, `INSERT … VALUES (…), (…) …` (compiled once per row count), on
one pooled connection held between calls (the group committer runs one batch at a time), in
autocommit: the statement is its own transaction, so a batch costs one round trip and one commit.
The connection is dropped after any error, and given back to the pool every `HOLD_SECONDS` (out of
autocommit, as it was lent) and checked out again, so the pool's own upkeep (`pool_recycle`)
reaches it as it reaches every other. On SQLite the statement runs under `sqlite_writers`' file lock,
so the receivers of several processes queue for the file instead of sleeping in SQLite's busy handler.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, bindparam
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from webhooks.sqlite_writers import writer_lock

HOLD_SECONDS = 60
# per row count: the SQL; (row index, column, converter) per parameter in order; the names, or None if positional
Compiled = tuple[str, list[tuple[int, str, Any]], list[str] | None]


class DriverInsert:
    def __init__(self, engine: Engine, statement: Insert, columns: Sequence[str]) -> None:
        """`statement`: an INSERT … RETURNING of one table; `columns`: the keys every row will have."""
        dialect = engine.dialect
        self.engine, self.statement, self.columns = engine, statement, tuple(columns)
        table_columns = statement.table.c
        self._convert = {name: table_columns[name].type.dialect_impl(dialect).bind_processor(dialect)
                         for name in self.columns}
        self._compiled: dict[int, Compiled] = {}
        self._dbapi_error = dialect.loaded_dbapi.Error
        self._lock = threading.Lock()
        self._writers = writer_lock(engine)
        self._connection: Any = None
        self._opened_at = 0.0

    def __call__(self, rows: list[dict]) -> list[tuple]:
        """Insert the rows with one statement (one VALUES tuple per row) and commit; the rows RETURNING
        gave. The connection is in autocommit, so the statement is its own transaction: all its rows
        or none, one commit for all, one round trip, no BEGIN or COMMIT."""
        sql, params = self._bound(rows)
        with self._lock:
            try:
                with self._writers:
                    cursor = self._connect().cursor()
                    try:
                        cursor.execute(sql, params)
                        return cursor.fetchall()
                    finally:
                        cursor.close()  # an open statement would keep SQLite's write lock past the rollback
            except BaseException as exc:
                self._discard()
                if isinstance(exc, self._dbapi_error):
                    raise DBAPIError.instance(sql, params, exc, self._dbapi_error, dialect=self.engine.dialect,
                                              ismulti=False) from exc
                raise

    def close(self) -> None:
        """Give the held connection back to the pool (app shutdown, tests, every HOLD_SECONDS), as the pool
        lent it: out of autocommit."""
        with self._lock:
            self._give_back()
            self._writers.close()

    def _bound(self, rows: list[dict]) -> tuple[str, Sequence | dict]:
        """The statement for this many rows (compiled once per count) and its parameters, each value
        converted by its column's type: a list for positional parameter styles (SQLite's qmark), else
        a dict by name."""
        sql, slots, names = self._compiled.get(len(rows)) or self._compile(len(rows))
        values = [rows[i][name] if convert is None else convert(rows[i][name]) for i, name, convert in slots]
        return (sql, values) if names is None else (sql, dict(zip(names, values, strict=True)))

    def _compile(self, count: int) -> Compiled:
        """INSERT … VALUES (…), (…) … with parameters named `<column>__<row>`; for each parameter, in
        the order the statement takes them, which row's column it is and that column's converter; and
        the parameter names, unless the style is positional."""
        names = {f"{name}__{i}": (i, name) for i in range(count) for name in self.columns}
        values = [{name: bindparam(f"{name}__{i}") for name in self.columns} for i in range(count)]
        compiled = self.statement.values(values).compile(dialect=self.engine.dialect)
        positional = compiled.positiontup is not None
        order = list(compiled.positiontup) if positional else list(names)
        slots = [(*names[key], self._convert[names[key][1]]) for key in order]
        return self._compiled.setdefault(count, (compiled.string, slots, None if positional else order))

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
        """After an error the connection's state is unknown (broken socket, driver state): close it and
        drop it from the pool for good rather than hand it to anyone again. In autocommit there is no
        transaction to roll back: the failed statement took its own with it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate()
