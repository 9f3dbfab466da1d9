"""Backend variants: the same application suite on SQLite and on a real PostgreSQL.

Only the environment changes: each test gets a fresh SQLite directory or a fresh PostgreSQL
schema (``make test`` starts the server and sets ACADEMY_VIDEO_TEST_DATABASE_URL).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from academy_video.adapters.sql.ids import PostgresIdAllocator, SQLiteIdAllocator
from academy_video.app.bootstrap import Container, build
from academy_video.app.config import Settings
from academy_video.app.persistence import COMMON, postgres_env
from academy_video.app.ports import IdAllocator
from tests.unit.app import conftest as worlds
from tests.unit.app.conftest import World, make_world

DATABASE_URL = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL", "")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if request.param == "postgres" and not DATABASE_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_DATABASE_URL is not set: run the tests with `make test`")
    built: list[Container] = []
    schemas: list[str] = []

    def builder(settings: Settings | None = None, **overrides: Any) -> Container:
        """Each world gets a store of its own, as a fresh deployment would."""
        place = f"t_{uuid.uuid4().hex[:12]}"
        if request.param == "postgres":
            with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {place}")
            schemas.append(place)
            env = {**COMMON, **postgres_env(DATABASE_URL), "POSTGRES_SCHEMA": place}
            ids: IdAllocator = PostgresIdAllocator(DATABASE_URL, schema=place)

            def event_store(name: str) -> dict[str, str]:
                return env

        else:
            ids = SQLiteIdAllocator(tmp_path / f"{place}-ids.sqlite3")

            def event_store(name: str) -> dict[str, str]:
                return {
                    **COMMON,
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(tmp_path / f"{place}-{name.lower()}.sqlite3"),
                }

        container = build(settings, event_store=event_store, ids=ids, **overrides)
        built.append(container)
        return container

    monkeypatch.setattr(worlds, "BUILDER", builder)
    yield request.param
    for container in built:
        for app in (container.videos, container.grants, container.sessions, container.progresses):
            app.close()
    if schemas:
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def world(backend: str) -> World:
    return make_world()
