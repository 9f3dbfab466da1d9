"""Backend variants: the same application suite on SQLite and on a real PostgreSQL.

Only the environment changes: each test gets a fresh SQLite directory or a fresh PostgreSQL
schema (``make test`` starts the server and sets ACADEMY_VIDEO_TEST_DATABASE_URL).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
import pytest

from academy_video.adapters.sql.engine import postgres_engine, sqlite_engine
from academy_video.adapters.sql.ids import PostgresIdAllocator, SQLiteIdAllocator
from academy_video.app.config import Settings
from academy_video.app.persistence import COMMON, postgres_env
from academy_video.app.ports import IdAllocator
from academy_video.bootstrap import Adapters, Container, build
from tests.unit.app import conftest as worlds
from tests.unit.app.conftest import World, make_world

DATABASE_URL = os.environ.get("ACADEMY_VIDEO_TEST_DATABASE_URL", "")


def need_postgres() -> None:
    if not DATABASE_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_DATABASE_URL is not set: run the tests with `make test`")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if request.param == "postgres":
        need_postgres()
    built: list[Container] = []
    schemas: list[str] = []

    def builder(settings: Settings, adapters: Adapters) -> Container:
        """Each world gets a store of its own, as a fresh deployment would."""
        place = f"t_{uuid.uuid4().hex[:12]}"
        if request.param == "postgres":
            with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {place}")
            schemas.append(place)
            env = {**COMMON, **postgres_env(DATABASE_URL), "POSTGRES_SCHEMA": place}
            ids: IdAllocator = PostgresIdAllocator(DATABASE_URL, schema=place)
            engine = postgres_engine(DATABASE_URL, schema=place, pool_size=2)

            def event_store(name: str) -> dict[str, str]:
                return env

        else:
            ids = SQLiteIdAllocator(tmp_path / f"{place}-ids.sqlite3")
            engine = sqlite_engine(tmp_path / f"{place}-read.sqlite3")

            def event_store(name: str) -> dict[str, str]:
                return {
                    **COMMON,
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(tmp_path / f"{place}-{name.lower()}.sqlite3"),
                }

        chosen = replace(adapters, ids=ids)
        container = build(settings, chosen, event_store=event_store, engine=engine)
        built.append(container)
        return container

    monkeypatch.setattr(worlds, "BUILDER", builder)
    yield request.param
    for container in built:
        container.close()
    if schemas:
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def world(backend: str) -> World:
    return make_world()


@dataclass
class Deployment:
    """One service's stores (SQLite data directory, or a PostgreSQL database of its own) that
    containers can be started on, stopped, and started on again, as processes would be."""

    backend: str
    settings: Settings
    containers: list[Container] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The same deployment for a child process, through ACADEMY_VIDEO_* variables."""
        env = {"ACADEMY_VIDEO_DATA_DIR": str(self.settings.data_dir)}
        if self.settings.database_url:
            env["ACADEMY_VIDEO_DATABASE_URL"] = self.settings.database_url
        return env

    def start(
        self, settings: Settings | None = None, adapters: Adapters | None = None
    ) -> Container:
        """A container on this deployment's stores (``settings`` may only change the rules)."""
        settings = replace(
            settings or self.settings,
            data_dir=self.settings.data_dir,
            database_url=self.settings.database_url,
        )
        container = build(settings, adapters)
        self.containers.append(container)
        return container

    def world(self) -> World:
        """The unit suite's small academy, on this deployment."""
        return make_world(self.settings, builder=self.start)


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    settings = Settings(
        data_dir=tmp_path / "data",
        playback_token_secret="test-secret",
        max_sessions=2,
        max_devices=2,
        progress_flush_seconds=0,
    )
    database = ""
    if request.param == "postgres":
        need_postgres()
        database = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {database}")
        settings = replace(settings, database_url=DATABASE_URL.rsplit("/", 1)[0] + "/" + database)
    deployment = Deployment(request.param, settings)
    yield deployment
    for container in deployment.containers:
        container.close()
    if database:
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {database} WITH (FORCE)")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """A redis-server of the test's own, to stop and start again: (port, its processes)."""
    from .test_redis_store import free_port, start_redis

    port = free_port()
    processes = [start_redis(port, tmp_path)]
    yield port, processes
    for process in processes:
        process.kill()
        process.wait()
