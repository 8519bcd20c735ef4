"""Column types and statements shared by every domain, portable across SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Insert, Table, TypeDecorator, and_, any_, bindparam, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always gives back an aware UTC datetime (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times are stored in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """UTC ISO-8601 with a Z, as the API answers it."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def parse_time(value: Any) -> datetime | None:
    """Parse Shopify's ISO-8601 timestamps ('2025-01-01T10:00:00-05:00', '...Z'); None if absent."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dialect_insert(session: Session | Connection, table: Table) -> Insert:
    dialect = (session.dialect if isinstance(session, Connection) else session.get_bind().dialect).name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_ignore(session: Session | Connection, table: Table, values: dict, keys: list[str]) -> int | None:
    """Insert a row unless one with the same keys exists; the new id, or None if it existed."""
    stmt = dialect_insert(session, table).values(**values).on_conflict_do_nothing(index_elements=keys)
    return session.execute(stmt.returning(table.c.id)).scalar_one_or_none()


def upsert_newer(
    session: Session, table: Table, values: dict, keys: list[str], version: str
) -> int | None:
    """Insert or update a row unless the stored one is newer by `version`.

    Returns the row id when this write won, None when a newer state was already stored.
    One statement, so two workers racing on the same row cannot both insert or regress it.
    """
    stmt = dialect_insert(session, table).values(**values)
    stored, incoming = table.c[version], stmt.excluded[version]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={k: stmt.excluded[k] for k in values if k not in keys},
        where=or_(stored.is_(None), and_(incoming.is_not(None), incoming >= stored)),
    )
    return session.execute(stmt.returning(table.c.id)).scalar_one_or_none()


def one_of(session: Session, column, values) -> ColumnElement:
    """`column IN values`; on PostgreSQL one array parameter (= ANY), so a 500-id page is one
    cached statement instead of 500 placeholders parsed anew each time."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def pairs_filter(session: Session, stmt, left, right, keys) -> object:
    """Restrict `stmt` to rows whose (left, right) is one of `keys` (e.g. shop id, order id).

    PostgreSQL joins an unnest of two arrays: exactly one index probe per pair. Elsewhere a
    plain IN on each column, which may over-fetch; callers keep only their pairs."""
    keys = list(keys)
    if session.get_bind().dialect.name == "postgresql":
        wanted = func.unnest(
            bindparam(None, [k[0] for k in keys], type_=postgresql.ARRAY(left.type)),
            bindparam(None, [k[1] for k in keys], type_=postgresql.ARRAY(right.type)),
        ).table_valued("a", "b").render_derived(name="wanted")
        return stmt.join(wanted, and_(left == wanted.c.a, right == wanted.c.b))
    return stmt.where(left.in_({k[0] for k in keys}), right.in_({k[1] for k in keys}))
