"""What the import of each old table shares: where its read starts and its mark, its rows read
in batches with the aggregates already here found at once, each row built into an aggregate (or
skipped, with its reason, when bad) and each batch saved together, and the counts reported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from academy_video.app.applications import EventSourcedApp
from academy_video.domain.errors import DomainError
from academy_video.domain.playback_session import PlaybackSession
from academy_video.domain.video import Video

from .histories import OneByOne, StoredHistories, find_many
from .records import CHANGED_AT, ImportMarks, ImportProgress, LegacyReader, MarksInMemory
from .report import ImportReport
from .roster import Roster

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)


class BadRow(Exception):
    pass


@dataclass
class ImportBatches:
    reader: LegacyReader
    videos: EventSourcedApp
    grants: EventSourcedApp
    progresses: EventSourcedApp
    sessions: EventSourcedApp
    roster: Roster
    report: ImportReport
    progress: ImportProgress
    write: bool
    retranscode: bool
    batch: int
    marks: ImportMarks = field(default_factory=MarksInMemory)
    overlap: timedelta = timedelta(0)
    video_tenant: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    # video → (tenant, lecture, policy version)
    highest: dict[str, int] = field(default_factory=dict)  # id kind → highest id seen
    unsaved: dict[str, PlaybackSession] = field(default_factory=dict)  # a dry run's sessions
    histories: StoredHistories = field(default_factory=OneByOne)
    # The aggregates of the batch at hand that are here already (one read per batch), and those
    # the batch created: a second row of one aggregate in a batch finds the first's.
    batch_found: dict[UUID, Aggregate] = field(default_factory=dict)

    def _since(self, record: type) -> datetime | None:
        """Where this table's read starts: its mark less the overlap (a row saved late by a
        transaction that began before the mark, or another server's clock, still comes)."""
        through = self.marks.mark(self.reader.table(record))
        return None if through is None else through - self.overlap

    def _advance(self, record: type, rows: list[Any], latest: datetime | None) -> datetime | None:
        column = CHANGED_AT[record]
        return max((getattr(r, column) for r in rows), default=latest) if rows else latest

    def _mark(self, record: type, latest: datetime | None) -> None:
        """Only once the whole table is saved: an interrupted run reads it again from the
        previous mark, and finds what it saved unchanged."""
        if self.write and latest is not None:
            self.marks.set_mark(self.reader.table(record), latest)

    def _each(
        self,
        record: type[T],
        app: EventSourcedApp,
        build: Callable[[T], Aggregate | None],
        aggregate_id: Callable[[T], UUID | None],
    ) -> None:
        table, since = self.reader.table(record), self._since(record)
        latest: datetime | None = None
        self.progress.start(table, self.reader.count(record, since))
        for rows in self.reader.read(record, self.batch, since):
            self._load(app, [aggregate_id(row) for row in rows])
            pending: dict[UUID, Aggregate] = {}
            for row in rows:
                try:
                    aggregate = build(row)
                except (BadRow, DomainError, ValueError) as error:
                    self.report.skip(
                        table, getattr(row, "id", "?"), str(error) or type(error).__name__
                    )
                    continue
                if aggregate is not None:
                    pending[aggregate.id] = self.batch_found[aggregate.id] = aggregate
            if self.write and pending:
                app.save(*pending.values())
            self.progress.advance(len(rows))
            if record in CHANGED_AT:
                latest = self._advance(record, rows, latest)
        self._mark(record, latest)

    def _load(self, app: EventSourcedApp, ids: list[UUID | None]) -> None:
        """The aggregates of a batch's rows that are here, read at once (``_found``)."""
        self.batch_found = dict(
            find_many(self.histories, app, {i for i in ids if i is not None}, Aggregate)
        )

    def _found(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        found = self.batch_found.get(aggregate_id)
        return found if isinstance(found, cls) else None

    def _count(self, table: str, existing: Aggregate | None, changed: bool) -> None:
        counts = self.report.counts(table)
        if existing is None:
            counts.imported += 1
        elif changed:
            counts.changed += 1
        else:
            counts.unchanged += 1

    def _seen(self, kind: str, value: int) -> None:
        self.highest[kind] = max(self.highest.get(kind, 0), value)

    def _video_here(self, video_id: int) -> tuple[str, int, int] | None:
        """A video this run did not read (unchanged since the mark), as the store has it."""
        if video_id not in self.video_tenant:
            video = self.videos.find(Video.create_id(video_id), Video)
            session = None if video is None else self.roster.sessions.get(video.session_id)
            if video is None or session is None:
                return None
            self.video_tenant[video_id] = (video.tenant, session[1], video.policy_version)
        return self.video_tenant[video_id]

    def _audience(self, video_id: int, enrollment_id: int) -> str:
        video, enrollment = (
            self._video_here(video_id),
            self.roster.enrollments.get(enrollment_id),
        )
        if video is None:
            raise BadRow("dangling video")
        if enrollment is None:
            raise BadRow("dangling enrollment")
        if video[:2] != enrollment[:2]:
            raise BadRow("enrollment of another lecture")
        return video[0]
