"""``PostgresEventRecorder`` on a real PostgreSQL: processes starting at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from academy_video.app.applications import EventSourcedApp
from academy_video.app.persistence import COMMON, postgres_env
from tests.integration.conftest import DATABASE_URL, need_postgres

LIBRARY_RECORDER = "eventsourcing.postgres:PostgresApplicationRecorder"


class Log(EventSourcedApp):
    pass


@pytest.fixture
def schema() -> Iterator[str]:
    need_postgres()
    place = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {place}")
    yield place
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {place} CASCADE")


def opened(schema: str, **env: str) -> Log:
    return Log({**COMMON, **postgres_env(DATABASE_URL), "POSTGRES_SCHEMA": schema, **env})


def at_once(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads released together; what they raised."""
    start, failures = threading.Barrier(count), []

    def run(i: int) -> None:
        start.wait()
        try:
            work(i)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def events(count: int, originator: uuid.UUID | None = None, first: int = 1) -> list[StoredEvent]:
    originator = originator or uuid.uuid4()
    return [
        StoredEvent(originator, version, "bench:Event", b"state")
        for version in range(first, first + count)
    ]


def test_processes_starting_at_once_create_the_tables_in_turn(schema: str) -> None:
    # Each opened recorder runs the library's CREATE statements on its own connections, as
    # processes starting together do: without turns, "tuple concurrently updated".
    apps: list[Log] = []
    failures = at_once(8, lambda i: apps.append(opened(schema)))
    assert failures == []
    apps[0].recorder.insert_events(events(2))
    assert apps[-1].recorder.max_notification_id() == 2
    for app in apps:
        app.close()
