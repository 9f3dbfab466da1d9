"""A unit of work for projections: row writes gathered over a batch of events, then sent as
a few ``executemany`` statements instead of one round trip per event.

Per row (keyed by table and aggregate id) only the last write matters, so writes merge: a
partial update after a full put folds into the put, a delete wins over both, a put after a
delete replaces it. Rows of append-only tables are inserted as they come (a ``serial`` column
numbered on from the largest stored, in the order they were appended). Counter rows
(``increment``) add up in memory and then in the database, one upsert per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from psycopg.sql import SQL, Identifier
from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    Dialect,
    Enum,
    String,
    Table,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from .engine import upsert

PUT, UPDATE, DELETE = "put", "update", "delete"
# Appended rows from this many on go by ``COPY`` on PostgreSQL (several times the rows per
# second of a multi-row INSERT: docs/benchmarks.md, Issue 19); fewer, by INSERT.
COPY_FROM = 200


class Batch:
    def __init__(self) -> None:
        self._rows: dict[tuple[Table, UUID], tuple[str, dict[str, Any]]] = {}
        # Appended rows as tuples in their table's column order (``append_row``): no dict per row.
        self._appends: dict[Table, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {}
        self._counters: dict[Table, dict[tuple[Any, ...], dict[str, Any]]] = defaultdict(dict)
        self._maxima: dict[Table, frozenset[str]] = {}
        self._serials: dict[Table, str] = {}
        self._children: dict[tuple[Table, str], dict[UUID, list[dict[str, Any]]]] = {}

    def put(self, table: Table, row: dict[str, Any]) -> None:
        """Insert the row of ``row["aggregate_id"]``, or set these columns if it exists."""
        self._rows[table, row["aggregate_id"]] = (PUT, row)

    def update(self, table: Table, aggregate_id: UUID, values: dict[str, Any]) -> None:
        """Set some columns of an existing row (none if there is no row)."""
        key = (table, aggregate_id)
        kind, row = self._rows.get(key, (UPDATE, {"aggregate_id": aggregate_id}))
        if kind != DELETE:
            self._rows[key] = (kind, {**row, **values})

    def delete(self, table: Table, aggregate_id: UUID) -> None:
        self._rows[table, aggregate_id] = (DELETE, {"aggregate_id": aggregate_id})

    def replace(self, table: Table, column: str, key: UUID, rows: list[dict[str, Any]]) -> None:
        """The rows of ``table`` whose ``column`` is ``key`` become ``rows`` (an aggregate's
        rows in a table of one row per item, such as a subscription's types)."""
        self._children.setdefault((table, column), {})[key] = rows

    def append(self, table: Table, row: dict[str, Any], *, serial: str = "") -> None:
        """Insert ``row``; with ``serial``, that column gets the next number of the table (the
        largest stored + 1, then on in append order): under the projector's lock on its log,
        the same numbers whenever the same events are applied in the same order."""
        self.append_row(table, tuple(row), tuple(row.values()), serial=serial)

    def append_row(
        self, table: Table, columns: tuple[str, ...], values: tuple[Any, ...], *, serial: str = ""
    ) -> None:
        """``append`` of the row ``dict(zip(columns, values))``, kept as the tuple (the same
        ``columns`` for every row of a table)."""
        appended = self._appends.get(table)
        if appended is None:
            appended = self._appends[table] = (columns, [])
        elif appended[0] != columns:
            raise ValueError(f"{table.name}: appended rows of other columns")
        appended[1].append(values)
        if serial:
            self._serials[table] = serial

    def increment(self, table: Table, row: dict[str, Any], *, maxima: frozenset[str]) -> None:
        """Add ``row``'s numbers to the row with its primary key (created if missing); the
        ``maxima`` columns keep the larger value; any other column is set."""
        keys = key_names(table)
        self._maxima[table] = maxima
        key = tuple(row[name] for name in keys)
        current = self._counters[table].get(key)
        if current is None:
            self._counters[table][key] = dict(row)
            return
        for column, value in row.items():
            if column in maxima:
                current[column] = max(current[column], value)
            elif column not in keys and _is_count(value):
                current[column] += value

    def __len__(self) -> int:
        children = sum(len(c) for c in self._children.values())
        return len(self._rows) + sum(len(rows) for _, rows in self._appends.values()) + children

    def flush(self, conn: Connection) -> None:
        puts: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        updates: dict[tuple[Table, frozenset[str]], list[dict[str, Any]]] = defaultdict(list)
        deletes: dict[Table, list[UUID]] = defaultdict(list)
        for (table, aggregate_id), (kind, row) in self._rows.items():
            if kind == PUT:
                puts[table].append(row)
            elif kind == UPDATE:
                updates[table, frozenset(row)].append(row)
            else:
                deletes[table].append(aggregate_id)
        for table, ids in deletes.items():
            conn.execute(table.delete().where(table.c.aggregate_id.in_(ids)))
        for table, rows in puts.items():
            if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM and arrayable(table):
                upsert_arrays(conn, table, rows)
            else:
                conn.execute(upsert(conn.dialect.name, table, rows[0]), rows)
        for (table, columns), rows in updates.items():
            statement = (
                table.update()
                .where(table.c.aggregate_id == bindparam("b_aggregate_id"))
                .values({c: bindparam(f"b_{c}") for c in columns if c != "aggregate_id"})
            )
            conn.execute(statement, [{f"b_{c}": v for c, v in r.items()} for r in rows])
        for (table, column), children in self._children.items():
            conn.execute(table.delete().where(table.c[column].in_(list(children))))
            if added := [row for rows in children.values() for row in rows]:
                conn.execute(table.insert(), added)
        for table, (names, appended) in self._appends.items():
            serial = self._serials.get(table)
            if serial is not None:
                last = conn.execute(select(func.max(table.c[serial]))).scalar() or 0
                names = (serial, *names)
                appended = [(n, *row) for n, row in enumerate(appended, start=last + 1)]
            if conn.dialect.name == "postgresql" and len(appended) >= COPY_FROM:
                copy_rows(conn, table, names, appended)
            else:
                conn.execute(
                    table.insert(), [dict(zip(names, row, strict=True)) for row in appended]
                )
        for table, counters in self._counters.items():
            rows = list(counters.values())
            conn.execute(_adding(conn.dialect.name, table, rows[0], self._maxima[table]), rows)
        self._rows.clear()
        self._appends.clear()
        self._counters.clear()
        self._serials.clear()
        self._children.clear()


def copy_rows(
    conn: Connection, table: Table, names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values in the order of ``names``) with ``COPY … FROM STDIN`` in
    ``conn``'s transaction, each value first through its column type's bind processor, as an
    INSERT would send it; JSON as text by msgspec (the same value, several times faster than
    the processor's ``json.dumps``)."""
    processors = [_copy_processor(table.c[name].type, conn.dialect) for name in names]
    statement = SQL("COPY {} ({}) FROM STDIN").format(
        Identifier(*([table.schema] if table.schema else []), table.name),
        SQL(", ").join(Identifier(name) for name in names),
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    processed = [(i, process) for i, process in enumerate(processors) if process is not None]
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        if not processed:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for i, process in processed:
                values[i] = process(values[i])
            copy.write_row(values)


def upsert_arrays(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``upsert`` of many rows (one per key, the same columns each) as one statement: each
    column's values as one array, ``INSERT … SELECT … FROM unnest(…) ON CONFLICT``; a fifth of
    the client's CPU of one bound statement per row (docs/benchmarks.md, Issue 22: progress
    writes). Values go through their column type's bind processor, as an INSERT sends them."""
    names = tuple(rows[0])
    keys = key_names(table)
    arrays = []
    for name in names:
        process = table.c[name].type.bind_processor(conn.dialect)
        values = [row[name] for row in rows]
        arrays.append(values if process is None else [process(value) for value in values])
    types = [_array_type(table.c[name].type, conn.dialect) for name in names]
    updates = [name for name in names if name not in keys]
    statement = SQL(
        "INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT ({keys}) "
    ).format(
        table=Identifier(*([table.schema] if table.schema else []), table.name),
        names=SQL(", ").join(Identifier(name) for name in names),
        arrays=SQL(", ").join(SQL("%b::" + kind) for kind in types),
        keys=SQL(", ").join(Identifier(key) for key in keys),
    )
    if updates:
        statement += SQL("DO UPDATE SET {}").format(
            SQL(", ").join(SQL("{0} = excluded.{0}").format(Identifier(n)) for n in updates)
        )
    else:
        statement += SQL("DO NOTHING")
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        cursor.execute(statement, arrays)


@cache
def arrayable(table: Table) -> bool:
    """Whether ``upsert_arrays`` can write ``table``: no JSON or array columns (an array of
    them is not what the column holds), no enums (text is not cast to them on insert)."""
    return not any(isinstance(c.type, JSON | ARRAY | Enum) for c in table.columns)


def _array_type(kind: TypeEngine[Any], dialect: Dialect) -> str:
    # Text as TEXT[]: an explicit cast to VARCHAR(n) cuts a longer value silently, where the
    # INSERT's own cast to the column refuses it (as a statement per row does).
    if isinstance(kind, String):
        return "TEXT[]"
    return f"{kind.compile(dialect=dialect)}[]"


def _copy_processor(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    if isinstance(kind, JSON):
        return _json_text
    return kind.bind_processor(dialect)


def _json_text(value: Any) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


@cache  # once per table: ``increment`` asks for every event projected
def key_names(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.primary_key.columns)


def _is_count(value: Any) -> bool:
    """A column ``increment`` adds up (any other non-key column is set)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _adding(dialect: str, table: Table, row: dict[str, Any], maxima: frozenset[str]) -> Any:
    """``INSERT … ON CONFLICT DO UPDATE`` adding the numbers to the stored ones."""
    postgres = dialect == "postgresql"
    statement = (postgresql if postgres else sqlite).insert(table)
    keys = key_names(table)
    larger = func.greatest if postgres else func.max  # SQLite's max() of two is scalar
    updates: dict[str, Any] = {}
    for column, value in row.items():
        if column in keys:
            continue
        new = statement.excluded[column]
        if column in maxima:
            updates[column] = larger(table.c[column], new)
        elif _is_count(value):
            updates[column] = table.c[column] + new
        else:
            updates[column] = new
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
