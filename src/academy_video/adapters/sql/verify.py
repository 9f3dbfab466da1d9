"""``projections verify``: rebuild every read model from the log into a scratch schema (or
file) and report each row that differs from the live tables.

The live side is read in one snapshot (REPEATABLE READ on PostgreSQL; SQLite's write lock),
together with its tracking positions, and the scratch rebuild stops at those same positions,
so writes landing during the check do not show up as false differences.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, text

from academy_video.app.applications import EventSourcedApp

from . import migrate
from . import tables as t
from .engine import is_sqlite, postgres_engine, sqlite_engine
from .projector import Projector


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    live: dict[str, Any] | None  # None: missing from the live table
    rebuilt: dict[str, Any] | None  # None: the log does not produce this row

    def describe(self) -> str:
        if self.live is None:
            return f"{self.table} {self.key}: missing from the live table"
        if self.rebuilt is None:
            return f"{self.table} {self.key}: live row the event log does not produce"
        changed = {c for c in self.live if self.live[c] != self.rebuilt.get(c)}
        parts = ", ".join(f"{c}: live {self.live[c]!r} ≠ log {self.rebuilt[c]!r}" for c in changed)
        return f"{self.table} {self.key}: {parts}"


def verify(engine: Engine, apps: Iterable[EventSourcedApp]) -> list[Difference]:
    apps = list(apps)
    with scratch_engine(engine) as scratch:
        migrate.upgrade(scratch)
        with _snapshot(engine) as live:
            positions = {
                str(name): int(position)
                for name, position in live.execute(
                    select(t.tracking.c.application_name, t.tracking.c.notification_id)
                )
            }
            Projector(scratch, apps).rebuild(up_to={a.name: positions.get(a.name, 0) for a in apps})
            with scratch.connect() as rebuilt:
                return [d for table in t.PROJECTED for d in _compare(table, live, rebuilt)]


@contextmanager
def scratch_engine(engine: Engine) -> Iterator[Engine]:
    """An empty place beside the live read models, removed afterwards."""
    if is_sqlite(engine):
        with tempfile.TemporaryDirectory(prefix="academy-video-verify-") as directory:
            scratch = sqlite_engine(Path(directory) / "scratch.sqlite3")
            try:
                yield scratch
            finally:
                scratch.dispose()
        return
    schema = f"verify_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scratch = postgres_engine(engine.url.render_as_string(hide_password=False), schema=schema)
    try:
        yield scratch
    finally:
        scratch.dispose()
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    if is_sqlite(engine):
        with engine.begin() as conn:  # the writer engine's BEGIN IMMEDIATE holds writers off
            yield conn
        return
    with (
        engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
        conn.begin(),
    ):
        yield conn


def _compare(table: Table, live: Connection, rebuilt: Connection) -> Iterator[Difference]:
    """Merge-join both tables in primary-key order, streaming."""
    skip = t.NOT_PROJECTED.get(table.name, frozenset())
    columns = [c for c in table.columns if c.name not in skip]
    keys = [c.name for c in table.primary_key.columns]
    query = select(*columns).order_by(*table.primary_key.columns)
    left = _rows(live, query, keys)
    right = _rows(rebuilt, query, keys)
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            assert a is not None
            yield Difference(table.name, a[0], a[1], None)
            a = next(left, None)
        elif a is None or b[0] < a[0]:
            yield Difference(table.name, b[0], None, b[1])
            b = next(right, None)
        else:
            if a[1] != b[1]:
                yield Difference(table.name, a[0], a[1], b[1])
            a, b = next(left, None), next(right, None)


def _rows(
    conn: Connection, query: Any, keys: list[str]
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    for row in conn.execution_options(yield_per=1000).execute(query).mappings():
        values = dict(row)
        # Projected tables are keyed by UUIDs and integers, which Python orders as the database.
        yield tuple(values[k] for k in keys), values
