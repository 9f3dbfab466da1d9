"""``PostgresEventRecorder`` on a real PostgreSQL: processes starting at once, appends from many
connections at once read by a follower that must never skip one, conflicts, and rows written by
the library's own recorder (a process not yet upgraded) read alike."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from academy_video.adapters.eventstore import postgres
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


def test_a_start_waits_for_the_creation_lock_a_bounded_time_and_names_it(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "CREATE_LOCK_SECONDS", 1)
    opened(schema).close()  # the tables exist: only the lock is waited for below
    with psycopg.connect(DATABASE_URL, autocommit=True) as stuck:
        # Another session holds the lock and does not let go (a psql left open, a hung start).
        stuck.execute("SELECT pg_advisory_lock(%s)", (postgres.CREATE_LOCK,))
        started = time.monotonic()
        with pytest.raises(postgres.CreateLockTimeout, match=str(postgres.CREATE_LOCK)):
            opened(schema)
        assert 1 <= time.monotonic() - started < 10
    # Let go: a start goes through, and the lock's timeout did not stay on a pooled connection.
    app = opened(schema)
    assert isinstance(app.recorder, postgres.PostgresEventRecorder)
    with app.recorder.datastore.get_connection() as conn:
        assert conn.execute("SHOW lock_timeout").fetchone() != {"lock_timeout": "1s"}
    app.close()


def test_a_follower_reading_after_its_position_never_skips_a_concurrent_append(
    schema: str,
) -> None:
    # Writers on connections of their own append while a follower reads "after position p" and
    # moves p to the last id it saw, as the projector does: an id committed after a higher one
    # was read would be skipped forever. The appends' table lock prevents it.
    writers = [opened(schema) for _ in range(6)]
    following = opened(schema)  # kept: a dropped Application closes its pool
    follower = following.recorder
    appended: list[int] = []
    done = threading.Event()
    seen: list[int] = []

    def follow() -> None:
        position = 0
        while True:
            last_round = done.is_set()
            notifications = follower.select_notifications(
                start=position, limit=1000, inclusive_of_start=False
            )
            seen.extend(n.id for n in notifications)
            if notifications:
                position = notifications[-1].id
            elif last_round:
                return

    def write(i: int) -> None:
        for size in [1, 5, 2, 40] * 15:
            appended.extend(writers[i].recorder.insert_events(events(size)) or [])

    reader_failures: list[BaseException] = []
    reader = threading.Thread(target=lambda: reader_failures.extend(at_once(1, lambda _: follow())))
    reader.start()
    failures = at_once(len(writers), write)
    done.set()
    reader.join()
    assert failures == reader_failures == []
    assert len(appended) == 6 * 15 * 48
    assert seen == sorted(appended)  # each once, in id order, none skipped
    for app in [*writers, following]:
        app.close()


def test_a_conflicting_append_stores_nothing_of_its_batch(schema: str) -> None:
    app = opened(schema)
    taken = uuid.uuid4()
    first = app.recorder.insert_events(events(3, taken))
    with pytest.raises(IntegrityError):
        app.recorder.insert_events(events(2) + events(2, taken, first=3))
    assert [e.originator_version for e in app.recorder.select_events(taken)] == [1, 2, 3]
    assert [n.id for n in app.recorder.select_notifications(0, 100)] == list(first or [])
    app.close()


def test_the_librarys_own_recorder_and_this_one_share_a_log(schema: str) -> None:
    # A process not yet upgraded (the library's recorder: LOCK TABLE, NOTIFY, one insert) and an
    # upgraded one append to the same table; each reads the other's rows, ids in one sequence.
    ours = opened(schema)
    theirs = opened(schema, APPLICATION_RECORDER_TOPIC=LIBRARY_RECORDER)
    assert type(theirs.recorder) is PostgresApplicationRecorder
    one, two, three = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ids = [
        *(theirs.recorder.insert_events(events(2, one)) or []),
        *(ours.recorder.insert_events(events(2, two)) or []),
        *(theirs.recorder.insert_events(events(1, three)) or []),
    ]
    assert ids == [1, 2, 3, 4, 5]
    for reader in (ours, theirs):
        log = reader.recorder.select_notifications(0, 10)
        assert [(n.id, n.originator_id) for n in log] == [
            (1, one),
            (2, one),
            (3, two),
            (4, two),
            (5, three),
        ]
        assert reader.recorder.select_events(two)[1].state == b"state"
    ours.close()
    theirs.close()


def test_subscribing_is_refused_there_is_no_notify(schema: str) -> None:
    app = opened(schema)
    with pytest.raises(NotImplementedError, match="polling"):
        app.recorder.subscribe(gt=0)
    app.close()
