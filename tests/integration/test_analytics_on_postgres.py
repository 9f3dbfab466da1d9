"""Every analytics test (tests/http/test_analytics.py) again with the read models on PostgreSQL:
the same SQL must give the same numbers on both databases (truncation, booleans, JSON, LIKE)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.http.conftest import Api, serving
from tests.http.test_analytics import *  # noqa: F403 (the tests themselves)

from .conftest import DATABASE_URL, need_postgres


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    need_postgres()
    database = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    try:
        url = DATABASE_URL.rsplit("/", 1)[0] + "/" + database
        with serving(tmp_path, database_url=url) as api:
            yield api
    finally:
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {database} WITH (FORCE)")
