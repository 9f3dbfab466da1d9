"""``import django`` run again: only rows changed since the last run's mark are read, an
interrupted run continues without writing anything twice, a video the old worker finished in
between comes over READY, and old ACTIVE sessions are expired by the first reconcile."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from django.db.models import Count

from academy_video.adapters.sql.verify import verify
from academy_video.app.switchover.records import (
    LegacyReader,
    OldPlaybackEvent,
)
from academy_video.app.switchover.report import ImportReport
from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.video import Video, VideoStatus
from tests.integration.test_import_django import World, open_store, run_import
from tests.integration.test_import_django import world as world  # the fixture
from tests.legacy_django.video.models import Video as OldVideo
from tests.legacy_django.video.models import VideoPlaybackEvent as OldEvent
from tests.legacy_django.video.models import VideoPlaybackSession as OldSession
from tests.legacy_django.video.models import VideoProgress as OldProgress

R = TypeVar("R")
CHANGED_TABLES = (
    "video_video",
    "video_videoprogress",
    "video_videoplaybacksession",
    "video_videoplaybackevent",
)


class Interrupted(Exception):
    pass


class FailingReader:
    """The old database, failing after ``batches`` batches of playback events (a lost
    connection, a killed process)."""

    def __init__(self, reader: LegacyReader, batches: int) -> None:
        self.reader = reader
        self.batches = batches

    def table(self, record: type) -> str:
        return self.reader.table(record)

    def count(self, record: type, since: datetime | None = None) -> int:
        return self.reader.count(record, since)

    def read(self, record: type[R], batch: int, since: datetime | None = None) -> Iterator[list[R]]:
        for done, rows in enumerate(self.reader.read(record, batch, since)):
            if record is OldPlaybackEvent and done == self.batches:
                raise Interrupted
            yield rows


def run(world: World, *, fail_after: int | None = None, **options: Any) -> ImportReport:
    def failing(reader: LegacyReader) -> LegacyReader:
        return FailingReader(reader, fail_after or 0)

    return run_import(world, marked=True, wrap=failing if fail_after else None, **options)


def written(report: ImportReport, table: str) -> int:
    c = report.tables.get(table)
    return 0 if c is None else c.imported + c.changed


def read(report: ImportReport, table: str) -> int:
    c = report.tables.get(table)
    return 0 if c is None else c.imported + c.changed + c.unchanged + c.skipped


def test_a_second_run_reads_only_what_changed_since_the_last_one(world: World) -> None:
    run(world, overlap=timedelta(0))
    again = run(world, overlap=timedelta(0))
    # Only the rows stamped at the mark itself are read again (``>=``), and found unchanged.
    assert all(written(again, t) == 0 for t in CHANGED_TABLES)
    assert read(again, "video_videoplaybackevent") < 5

    alias = world.old.alias
    later = datetime.now(UTC)
    progress = OldProgress.objects.using(alias).order_by("id").first()
    assert progress is not None
    OldProgress.objects.using(alias).filter(id=progress.id).update(
        last_position=progress.last_position + 11, updated_at=later
    )
    third = run(world, overlap=timedelta(0))
    assert third.tables["video_videoprogress"].changed == 1
    # The changed row, and those stamped at the mark.
    assert read(third, "video_videoprogress") <= 2
    assert read(third, "video_video") <= 1


def test_the_overlap_reads_a_row_committed_late_with_an_earlier_time(world: World) -> None:
    run(world, overlap=timedelta(minutes=10))
    alias = world.old.alias
    newest = OldProgress.objects.using(alias).order_by("-updated_at").first()
    other = OldProgress.objects.using(alias).exclude(id=newest.id).order_by("id").first()
    assert newest is not None and other is not None
    # Saved by a transaction that began a minute before the newest row but committed after
    # the run: its time is below the mark.
    OldProgress.objects.using(alias).filter(id=other.id).update(
        completed=not other.completed, updated_at=newest.updated_at - timedelta(minutes=1)
    )
    assert run(world, overlap=timedelta(minutes=10)).tables["video_videoprogress"].changed == 1


def test_an_interrupted_run_continues_and_writes_nothing_twice(world: World) -> None:
    with pytest.raises(Interrupted):
        run(world, fail_after=2, batch=50)
    run(world, batch=50)
    again = run(world, batch=50)
    assert again.tables["video_videoplaybackevent"].imported == 0

    container, _ = open_store(world)
    try:
        assert verify(container.engine, container.applications) == []  # type: ignore[arg-type]
        alias = world.old.alias
        per_session = dict(
            OldEvent.objects.using(alias)
            .values_list("session_id")
            .annotate(n=Count("id"))
            .values_list("session_id", "n")
        )
        for session_id, count in per_session.items():
            session = container.sessions.find(
                PlaybackSession.create_id(str(session_id)), PlaybackSession
            )
            assert session is not None
            assert session.events_total == count  # every old event once
    finally:
        container.close()


def test_a_video_the_old_worker_finished_between_runs_comes_over_ready(world: World) -> None:
    run(world)
    (processing,) = world.academy.videos_by_status["PROCESSING"][:1]
    alias = world.old.alias
    old = (
        OldVideo.objects.using(alias).select_related("session__lecture__tenant").get(id=processing)
    )
    prefix = f"media/hls/{old.session.lecture.tenant.code}/videos/{processing}"
    OldVideo.objects.using(alias).filter(id=processing).update(
        status="READY",
        hls_path=f"{prefix}/master.m3u8",
        thumbnail=f"{prefix}/thumbnail.jpg",
        duration=1234,
        updated_at=datetime.now(UTC),
    )
    assert run(world).tables["video_video"].changed == 1

    container, _ = open_store(world)
    try:
        video = container.videos.find(Video.create_id(processing), Video)
        assert video is not None
        assert (video.status, video.hls_path, video.thumbnail_key, video.duration) == (
            VideoStatus.READY,
            f"{prefix}/master.m3u8",
            f"{prefix}/thumbnail.jpg",
            1234.0,
        )
        trail = [e.type for e in container.audit.video_events(None, processing)]
        assert trail[0] == "Imported"
        assert trail[-1] == "ProcessingCompleted"
        assert verify(container.engine, container.applications) == []  # type: ignore[arg-type]
    finally:
        container.close()


def test_old_active_sessions_are_expired_by_the_first_reconcile(world: World) -> None:
    run(world)
    alias = world.old.alias
    active = set(
        OldSession.objects.using(alias).filter(status="ACTIVE").values_list("session_id", flat=True)
    )
    assert active
    container, _ = open_store(world)
    try:
        # Not in the session store: they count against no student's limits ...
        expired, _closed = container.playback.reconciliation.reconcile()
        # ... and the first reconcile records them over.
        assert expired == len(active)
        for session_id in active:
            session = container.sessions.find(
                PlaybackSession.create_id(str(session_id)), PlaybackSession
            )
            assert session is not None and session.status != "ACTIVE"
        assert container.playback.reconciliation.reconcile()[0] == 0
    finally:
        container.close()
