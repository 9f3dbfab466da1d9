"""Public integer ids that stay unique across processes and restarts.

PostgreSQL: one sequence per kind (``nextval`` never hands a value out twice, even to
concurrent transactions). SQLite: a counter row per kind, bumped in an immediate transaction.
Beside them, ``import django``'s change mark per old table (``import_marks``): the same store,
so one backup holds both.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from psycopg import errors
from psycopg_pool import ConnectionPool

_KIND = re.compile(r"^[a-z_]{1,40}$")


def _check(kind: str) -> str:
    if not _KIND.match(kind):
        raise ValueError(f"bad id kind {kind!r}")
    return kind


class PostgresIdAllocator:
    def __init__(self, conninfo: str, schema: str = "public") -> None:
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, open=True)
        self._schema = schema
        self._known: set[str] = set()

    def next_id(self, kind: str) -> int:
        sequence = f'"{self._schema}"."{_check(kind)}_ids"'
        if kind not in self._known:
            self._create(sequence)
            self._known.add(kind)
        with self._pool.connection() as conn:
            row = conn.execute(f"SELECT nextval('{sequence}')").fetchone()
        assert row is not None
        return int(row[0])

    def advance_past(self, kind: str, value: int) -> None:
        """The next id is above ``value`` (imported ids are never handed out again); a sequence
        already past it stays where it is."""
        sequence = f'"{self._schema}"."{_check(kind)}_ids"'
        if kind not in self._known:
            self._create(sequence)
            self._known.add(kind)
        with self._pool.connection() as conn:
            conn.execute(
                f"SELECT setval('{sequence}', GREATEST(%s, (SELECT last_value FROM {sequence})))",
                (int(value),),
            )

    def mark(self, name: str) -> datetime | None:
        """``import django``'s change mark of an old table (``ImportMarks``)."""
        with self._pool.connection() as conn:
            self._marks(conn)
            row = conn.execute(
                f'SELECT through FROM "{self._schema}".import_marks WHERE name = %s', (name,)
            ).fetchone()
        return None if row is None else row[0]

    def set_mark(self, name: str, through: datetime) -> None:
        with self._pool.connection() as conn:
            self._marks(conn)
            conn.execute(
                f'INSERT INTO "{self._schema}".import_marks (name, through) VALUES (%s, %s) '
                "ON CONFLICT (name) DO UPDATE SET through = excluded.through",
                (name, through),
            )

    def _marks(self, conn: Any) -> None:
        if "import_marks" not in self._known:
            try:
                conn.execute(
                    f'CREATE TABLE IF NOT EXISTS "{self._schema}".import_marks '
                    "(name text PRIMARY KEY, through timestamptz NOT NULL)"
                )
                conn.commit()
            except (errors.UniqueViolation, errors.DuplicateTable):
                conn.rollback()  # a concurrent creator won
            self._known.add("import_marks")

    def _create(self, sequence: str) -> None:
        try:
            with self._pool.connection() as conn:
                conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
        except (errors.UniqueViolation, errors.DuplicateTable):
            pass  # IF NOT EXISTS is not atomic: a concurrent creator won, which is all we need.

    def close(self) -> None:
        self._pool.close()


class SQLiteIdAllocator:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS ids (kind TEXT PRIMARY KEY, last INTEGER)")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS import_marks (name TEXT PRIMARY KEY, through TEXT)"
            )

    def next_id(self, kind: str) -> int:
        conn = self._connect()
        # BEGIN IMMEDIATE takes the write lock first, so two processes never read the same value.
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "INSERT INTO ids (kind, last) VALUES (?, 1) "
                "ON CONFLICT (kind) DO UPDATE SET last = last + 1 RETURNING last",
                (_check(kind),),
            ).fetchone()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return int(row[0])

    def advance_past(self, kind: str, value: int) -> None:
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "INSERT INTO ids (kind, last) VALUES (?, ?) "
                "ON CONFLICT (kind) DO UPDATE SET last = MAX(last, excluded.last)",
                (_check(kind), int(value)),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def mark(self, name: str) -> datetime | None:
        """``import django``'s change mark of an old table (``ImportMarks``)."""
        row = self._connect().execute("SELECT through FROM import_marks WHERE name = ?", (name,))
        found = row.fetchone()
        return None if found is None else datetime.fromisoformat(found[0])

    def set_mark(self, name: str, through: datetime) -> None:
        self._connect().execute(
            "INSERT INTO import_marks (name, through) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET through = excluded.through",
            (name, through.isoformat()),
        )

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            self._local.conn = conn
        return conn
