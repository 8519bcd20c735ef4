"""Column types and statements shared by every domain, portable across SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Insert,
    Integer,
    String,
    Table,
    TypeDecorator,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    text,
)
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
        if value is None or value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_local_date(stored: str | None, timezone: str) -> str | None:
    """SQLite function `local_date(instant, zone)`: the calendar day (YYYY-MM-DD) in `zone` of an
    instant as UTCDateTime stores it there (naive UTC text). PostgreSQL does this with AT TIME ZONE;
    SQLite knows no zones, so the app registers this on every connection (extensions.py)."""
    if stored is None:
        return None
    return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date().isoformat()


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


def dialect_name(session: Session | Connection) -> str:
    return (session.dialect if isinstance(session, Connection) else session.get_bind().dialect).name


def dialect_insert(session: Session | Connection, table: Table) -> Insert:
    return (postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert)(table)


def insert_ignore(session: Session | Connection, table: Table, values: dict, keys: list[str]) -> int | None:
    """Insert a row unless one with the same keys exists; the new id, or None if it existed."""
    def build(s: Session | Connection) -> Insert:
        return dialect_insert(s, table).on_conflict_do_nothing(index_elements=keys).returning(table.c.id)

    stmt = built_once(session, ("insert_ignore", table.name, tuple(values), tuple(keys)), build)
    return session.execute(stmt, values).scalar_one_or_none()


def insert_ignore_many(session: Session, table: Table, rows: list[dict], keys: list[str], returning: list,
                       index_where: ColumnElement | None = None) -> list:
    """`insert_ignore` for many rows in one statement (SQLAlchemy batches them as multi-row VALUES);
    the `returning` columns of the rows inserted, none for rows whose keys existed (or repeat)."""
    if not rows:
        return []
    stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=keys, index_where=index_where)
    return session.execute(stmt.returning(*returning), rows).all()


def hold_writes(session: Session) -> None:
    """SQLite: start this transaction as the writer now (a write that changes nothing), so what it
    reads next stays as read until it commits; other writers wait (busy_timeout). PostgreSQL locks
    rows instead (FOR UPDATE): nothing to do."""
    if dialect_name(session) == "sqlite":
        session.execute(text("UPDATE shops SET id = id WHERE 0"))


def one_at_a_time(session: Session, namespace: int, key: int) -> None:
    """PostgreSQL: wait until no other transaction holds (namespace, key), then hold it until this
    one ends (an advisory lock). SQLite has one writer at a time anyway."""
    if dialect_name(session) == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :key)"), {"namespace": namespace, "key": key})


def upsert_newer(
    session: Session, table: Table, values: dict, keys: list[str], version: str
) -> int | None:
    """Insert or update a row unless the stored one is newer by `version`.

    Returns the row id when this write won, None when a newer state was already stored.
    One statement, so two workers racing on the same row cannot both insert or regress it.
    """
    stored = next(iter(upsert_newer_rows(session, table, [values], keys, version).values()), None)
    return None if stored is None else stored.id


class Stored(NamedTuple):
    id: int
    new: bool | None  # True: inserted, False: an existing row updated, None: the database cannot tell (SQLite)


def upsert_newer_rows(
    session: Session, table: Table, rows: list[dict], keys: list[str], version: str
) -> dict[tuple, Stored]:
    """`upsert_newer` for many rows (distinct keys, the same columns) in one statement: the rows
    whose write won, by their key values, with their id and whether each was new. PostgreSQL marks
    a row its upsert updated with the updating transaction (xmax), an inserted one with 0; SQLite
    cannot tell. Rows are written in key order, so two transactions lock shared rows in one order."""
    if not rows:
        return {}

    def build(s: Session | Connection) -> Insert:
        stmt = dialect_insert(s, table)
        stored, incoming = table.c[version], stmt.excluded[version]
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={k: stmt.excluded[k] for k in rows[0] if k not in keys},
            where=or_(stored.is_(None), and_(incoming.is_not(None), incoming >= stored)),
        )
        new = literal_column("xmax = 0", Boolean) if dialect_name(s) == "postgresql" else null()
        return stmt.returning(table.c.id, new.label("new"), *(table.c[k] for k in keys))

    stmt = built_once(session, ("upsert_newer", table.name, tuple(rows[0]), tuple(keys), version), build)
    ordered = sorted(rows, key=lambda row: tuple(row[k] for k in keys))
    found = session.execute(stmt, ordered if len(ordered) > 1 else ordered[0]).all()
    return {tuple(row[2:]): Stored(row.id, row.new) for row in found}


def one_of(session: Session, column, values) -> ColumnElement:
    """`column IN values`; on PostgreSQL one array parameter (= ANY), so a 500-id page is one
    cached statement instead of 500 placeholders parsed anew each time."""
    values = list(values)
    if dialect_name(session) == "postgresql":
        return column == any_(pg_array(values, column.type))
    return column.in_(values)


def pg_array(values: list, item_type) -> ColumnElement:
    """A PostgreSQL array parameter. Integers are sent as one literal ('{1,2,3}', cast), since
    psycopg dumps a list element by element (≈ 1 µs each: half a millisecond for a page of ids)."""
    if isinstance(item_type, Integer) and all(type(v) is int for v in values):
        return cast(bindparam(None, "{" + ",".join(map(str, values)) + "}", type_=String()),
                    postgresql.ARRAY(item_type))
    return bindparam(None, values, type_=postgresql.ARRAY(item_type))


def built_once(session: Session | Connection, key: Hashable, build: Callable[[Session | Connection], Any]) -> Any:
    """A statement built once per dialect and run many times: building one (an upsert's EXCLUDED
    columns, its cache key) costs more CPU than running it with new parameters (the hot paths: every
    webhook's upserts, every page of the delay scan). Its parameters are named (`ids_param`,
    `pairs_param`, a row's columns) and given at execution. Keys are shapes written in the code
    (table, columns, conflict keys), never values, so the cache stays small."""
    dialect = dialect_name(session)
    stmt = _BUILT.get((key, dialect))
    if stmt is None:
        stmt = _BUILT[(key, dialect)] = build(session)
    return stmt


_BUILT: dict[tuple[Hashable, str], Any] = {}


def ids_param(session: Session, column, name: str) -> ColumnElement:
    """`one_of` with the integer values given at execution as `name` (see `ids_value`)."""
    if dialect_name(session) == "postgresql":
        return column == any_(cast(bindparam(name, type_=String()), postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def ids_value(session: Session, values) -> str | list[int]:
    """Integers for an `ids_param`: one array literal on PostgreSQL (see `pg_array`)."""
    if dialect_name(session) == "postgresql":
        return "{" + ",".join(str(int(v)) for v in values) + "}"
    return list(values)


def pairs_param(session: Session, stmt, left, right) -> object:
    """`pairs_filter` on integer columns with the pairs given at execution (see `pairs_value`)."""
    if dialect_name(session) == "postgresql":
        wanted = func.unnest(cast(bindparam("pairs_left", type_=String()), postgresql.ARRAY(left.type)),
                             cast(bindparam("pairs_right", type_=String()), postgresql.ARRAY(right.type)),
                             ).table_valued("a", "b").render_derived(name="wanted")
        return stmt.join(wanted, and_(left == wanted.c.a, right == wanted.c.b))
    return stmt.where(left.in_(bindparam("pairs_left", expanding=True)),
                      right.in_(bindparam("pairs_right", expanding=True)))


def pairs_value(session: Session, keys) -> dict:
    """The parameters of a `pairs_param` statement for these (left, right) pairs."""
    keys = list(keys)
    return {"pairs_left": ids_value(session, [k[0] for k in keys]),
            "pairs_right": ids_value(session, [k[1] for k in keys])}


def pairs_filter(session: Session, stmt, left, right, keys) -> object:
    """Restrict `stmt` to rows whose (left, right) is one of `keys` (e.g. shop id, order id).

    PostgreSQL joins an unnest of two arrays: exactly one index probe per pair. Elsewhere a
    plain IN on each column, which may over-fetch; callers keep only their pairs."""
    keys = list(keys)
    if dialect_name(session) == "postgresql":
        wanted = func.unnest(pg_array([k[0] for k in keys], left.type), pg_array([k[1] for k in keys], right.type),
                             ).table_valued("a", "b").render_derived(name="wanted")
        return stmt.join(wanted, and_(left == wanted.c.a, right == wanted.c.b))
    return stmt.where(left.in_({k[0] for k in keys}), right.in_({k[1] for k in keys}))
