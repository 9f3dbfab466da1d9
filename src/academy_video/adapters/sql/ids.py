"""Public integer ids that stay unique across processes and restarts.

PostgreSQL: one sequence per kind (``nextval`` never hands a value out twice, even to
concurrent transactions). SQLite: a counter row per kind, bumped in an immediate transaction.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

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

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            self._local.conn = conn
        return conn
