"""SQLAlchemy engines for the read models: PostgreSQL (psycopg 3) or a SQLite file.

SQLite gets WAL (readers do not wait for the writer), a busy timeout, and ``BEGIN IMMEDIATE``
for every transaction: the write lock is taken up front, so two writers never both read a
position and then collide (SQLite's stand-in for ``SELECT … FOR UPDATE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite

SQLITE_BUSY_TIMEOUT_MS = 30_000


def postgres_engine(url: str, *, schema: str | None = None, pool_size: int = 8) -> Engine:
    """``postgresql://…`` → an engine on psycopg 3; ``schema`` puts every table in that schema."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    if schema:
        url += ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")
    # No pre-ping: it costs a round trip on every checkout, a large share of a short query
    # (docs/benchmarks.md, Playback over HTTP). A connection the server dropped fails its query
    # once (503 database_unavailable); the pool then discards it and every connection opened
    # before the drop.
    # hide_parameters: a failed statement's message (logged) never shows its values: a
    # webhook secret, a student's data.
    return create_engine(
        url, pool_size=pool_size, max_overflow=4, pool_pre_ping=False, hide_parameters=True
    )


def sqlite_engine(path: Path, *, writer: bool = True) -> Engine:
    """A writer engine takes the write lock when a transaction begins; a reader never waits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        dbapi_conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
        dbapi_conn.execute("PRAGMA synchronous = NORMAL")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upsert(dialect: str, table: Table, columns: Iterable[str], *, same: str = "") -> Any:
    """``INSERT … ON CONFLICT (primary key) DO UPDATE`` of ``columns``; other columns keep
    their values (nothing is updated when ``columns`` holds only the key).

    ``same`` names a column the stored row must share with the new one for the update to
    happen (``… DO UPDATE … WHERE <table>.<same> = excluded.<same>``): checked by the statement
    that writes, so no other writer can come between a check and the write."""
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    keys = [c.name for c in table.primary_key.columns]
    updates = {c: statement.excluded[c] for c in columns if c not in keys}
    if not updates:
        return statement.on_conflict_do_nothing(index_elements=keys)
    where = table.c[same] == statement.excluded[same] if same else None
    return statement.on_conflict_do_update(index_elements=keys, set_=updates, where=where)
