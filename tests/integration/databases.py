"""A PostgreSQL database of a test's own, dropped after it (the HTTP suites run on PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from .conftest import DATABASE_URL, need_postgres


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database on the test server; dropped (connections and all)
    afterwards."""
    need_postgres()
    database = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    try:
        yield DATABASE_URL.rsplit("/", 1)[0] + "/" + database
    finally:
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {database} WITH (FORCE)")
