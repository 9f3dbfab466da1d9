"""One writer process of ``bench_contention.py``: what a ``serve`` process writes to events.

Two threads, as in ``serve``: one saves playback event batches (PlaybackSessions saves of
``GROUP`` students' reports, as group commit makes them), the other progress flushes
(Progresses saves of ``FLUSH`` students' heartbeats each, one event per student). Everything a
save holds is built before the clock starts (as ``bench_persistence.py`` does), so only saving
is timed. The modes:

- ``store``: the Applications as ``bootstrap`` opens them on the settings' event store
  (``open_applications``), no projector: the event store alone.
- ``serve``: ``bootstrap.build``, the projector attached: each save also catches its log up into
  the read models before returning, as in ``serve``.
- ``before``: as ``store``, with the recorder this issue started from (``BeforeRecorder``).
- ``raw``: the same rows (encoded by the same mapper, in the timed loop too) inserted with
  psycopg, one transaction per save, the recorder's ``INSERT … SELECT FROM unnest(…)`` without
  table lock or NOTIFY: the reference.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from academy_video.adapters.eventstore.postgres import PostgresEventRecorder, columns
from academy_video.app.applications import EventSourcedApp
from academy_video.app.config import Settings
from academy_video.app.persistence import event_store_env
from academy_video.bootstrap import Applications, build
from academy_video.bootstrap.stored import open_applications
from academy_video.domain.playback_session import ClientEvent, PlaybackSession, RevokeRule
from academy_video.domain.policy import Limits, VideoDefaults, effective_policy
from academy_video.domain.progress import Plausibility, Sample, WatchProgress

GROUP = 10  # reports per playback save (group commit's group under load)
ITEMS = 20  # player events per report
FLUSH = 500  # students per progress save (one event each)
RAW_TABLES = {"PlaybackSessions": "raw_sessions_events", "Progresses": "raw_progress_events"}
RAW_INSERT = (
    "INSERT INTO {table} (originator_id, originator_version, topic, state) "
    "SELECT * FROM unnest(%b::uuid[], %b::integer[], %b::text[], %b::bytea[])"
)
Save = Sequence[Any]  # the domain events of one save


def playback_saves(app: EventSourcedApp, saves: int, tag: str) -> list[Save]:
    """``saves`` groups of ``GROUP`` reports; the sessions are started (and saved) first."""
    now = datetime.now(UTC)
    policy = effective_policy(
        VideoDefaults(), None, completed=False, limits=Limits(max_sessions=2, max_devices=2)
    )
    sessions = [
        PlaybackSession(
            session_id=f"{tag}-{n}-{uuid.uuid4().hex}",
            tenant="demo",
            video_id=1,
            enrollment_id=n,
            user_id=n,
            device_id="device",
            policy=policy,
            policy_version=1,
            grant_version=1,
            started_at=now,
            expires_at=now + timedelta(days=1),
        )
        for n in range(GROUP * 20)
    ]
    app.save(*sessions)
    items = [ClientEvent("FULLSCREEN_ENTER"), ClientEvent("FULLSCREEN_EXIT")] * (ITEMS // 2)
    rule = RevokeRule(threshold=10**9, ratio=1.1)
    built: list[Save] = []
    for n in range(saves):
        group = sessions[(n * GROUP) % len(sessions) :][:GROUP]
        for session in group:
            session.report_events(items, now=now, rule=rule)
        built.append([e for session in group for e in session.collect_events()])
    return built


def progress_saves(app: EventSourcedApp, saves: int, tag: int) -> list[Save]:
    """``saves`` flushes of ``FLUSH`` students' heartbeats; the aggregates are saved first."""
    now = datetime.now(UTC)
    students = [
        WatchProgress(video_id=tag, enrollment_id=n, tenant="demo", progress_id=tag * FLUSH + n)
        for n in range(FLUSH)
    ]
    app.save(*students)
    built: list[Save] = []
    for n in range(saves):
        at = now + timedelta(seconds=10 * (n + 1))
        for student in students:
            student.record(
                [Sample("s", 10.0 * n, at)], duration=36_000.0, plausibility=Plausibility()
            )
        built.append([e for student in students for e in student.collect_events()])
    return built


def run_writer(
    mode: str,
    index: int,
    url: str,
    data_dir: str,
    pools: tuple[int, int],
    seconds: float,
    ready: Any,
    go: Event,
    results: Any,
) -> None:
    """One process: build, prepare the saves, say ready, wait for ``go``, save for ``seconds``."""
    settings = Settings(database_url=url, data_dir=Path(data_dir))
    container = build(settings) if mode == "serve" else None
    if container is not None:
        apps = container.applications
    elif mode == "before":
        apps = Applications(lambda name: event_store_env(settings, name) | BEFORE).all()
    else:
        apps = open_applications(settings)
    by_name = {app.name: app for app in apps}
    tag = f"{mode}{index}-{uuid.uuid4().hex[:8]}"
    prepared = {
        "PlaybackSessions": playback_saves(by_name["PlaybackSessions"], pools[0], tag),
        "Progresses": progress_saves(by_name["Progresses"], pools[1], 1000 + index),
    }
    writers: dict[str, Callable[[Save], None]] = {}
    if mode == "raw":
        for name in prepared:
            writers[name] = RawWriter(url, RAW_TABLES[name], by_name[name]).insert
    else:
        for name in prepared:
            writers[name] = saver(by_name[name])
    ready.put(index)
    go.wait()
    deadline = time.perf_counter() + seconds
    counts: dict[str, tuple[int, int, float]] = {}

    def loop(name: str) -> None:
        saves = events = 0
        started = time.perf_counter()
        for save in prepared[name]:
            if time.perf_counter() >= deadline:
                break
            writers[name](save)
            saves, events = saves + 1, events + len(save)
        counts[name] = (saves, events, time.perf_counter() - started)

    threads = [threading.Thread(target=loop, args=(name,)) for name in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(counts) < len(threads):
        raise SystemExit("a writer thread failed")
    results.put((index, counts))
    if container is not None:
        container.close()
    else:
        for app in apps:
            app.close()


def saver(app: EventSourcedApp) -> Callable[[Save], None]:
    def save(events: Save) -> None:
        app.save(*events)

    return save


class BeforeRecorder(PostgresEventRecorder):
    """The recorder before issue 22: the library's transaction (``SET LOCAL lock_timeout``,
    ``LOCK TABLE``, ``NOTIFY``, the insert, a round trip, ``COMMIT``) with our insert."""

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids: Sequence[int] | None = PostgresApplicationRecorder.insert_events(
            self, stored_events, **kwargs
        )
        return ids

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            SQL(RAW_INSERT + " RETURNING notification_id").format(
                table=Identifier(self.datastore.schema, self.events_table_name)
            ),
            columns(stored_events),
            prepare=True,
        )


BEFORE = {"APPLICATION_RECORDER_TOPIC": "tests.bench.contention_workload:BeforeRecorder"}


class RawWriter:
    """One transaction per save, the recorder's statement without lock or NOTIFY; the events
    encoded by the Application's mapper in the timed loop, as a save does."""

    def __init__(self, url: str, table: str, app: EventSourcedApp) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.statement = SQL(RAW_INSERT).format(table=Identifier(table))
        self.encode = app.mapper.to_stored_event

    def insert(self, events: Save) -> None:
        save = [self.encode(e) for e in events]
        with self.conn.transaction(), self.conn.cursor() as cursor:
            cursor.execute(
                self.statement,
                columns(save),
                prepare=True,
            )
