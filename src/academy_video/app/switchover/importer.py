"""``import django``: the old app's database into this service, as the rows' own history.

The roster goes through the Directory port; videos, permissions, progress, playback sessions
and their events become aggregates whose history starts with an ``Imported`` event naming the
old row. Ids stay (old URLs keep working); the id allocators move past them. A second run
compares each old row with what is here and writes only what is new or changed (changes as the
ordinary events); the tables with a change time are read only from the last run's mark (less
an overlap), and an interrupted run is such a second run: its marks were not moved, what it
saved is found unchanged.
``dry_run`` writes nothing and reports the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from academy_video.app.applications import EventSourcedApp
from academy_video.app.ports import Directory

from .aggregates import AggregateImport
from .histories import OneByOne, StoredHistories
from .records import IdFloor, ImportMarks, ImportProgress, LegacyReader, MarksInMemory, NoProgress
from .report import ImportReport
from .roster import RosterImport

DEFAULT_BATCH = 1000
MAX_BATCH = 50_000
# The old app stamps updated_at when it saves, before its transaction commits: a row committed
# after a run read past its time is read again by the next run if it is within this margin.
DEFAULT_OVERLAP = timedelta(minutes=10)
MAX_OVERLAP = timedelta(days=30)


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    retranscode: bool = False
    tenant_map: dict[str, str] = field(default_factory=dict)  # old tenant code → new
    active_statuses: frozenset[str] = frozenset({"ACTIVE"})  # enrollment statuses that play
    batch: int = DEFAULT_BATCH
    overlap: timedelta = DEFAULT_OVERLAP  # each table is read again from its mark less this

    def __post_init__(self) -> None:
        if not 1 <= self.batch <= MAX_BATCH:
            raise ValueError(f"batch must be 1 to {MAX_BATCH}")
        if not timedelta(0) <= self.overlap <= MAX_OVERLAP:
            raise ValueError(f"overlap must be 0 to {MAX_OVERLAP.days} days")


@dataclass
class DjangoImport:
    reader: LegacyReader
    directory: Directory
    videos: EventSourcedApp
    grants: EventSourcedApp
    progresses: EventSourcedApp
    sessions: EventSourcedApp
    ids: IdFloor
    progress: ImportProgress = field(default_factory=NoProgress)
    marks: ImportMarks = field(default_factory=MarksInMemory)
    histories: StoredHistories = field(default_factory=OneByOne)

    def run(self, options: ImportOptions) -> ImportReport:
        report = ImportReport(dry_run=options.dry_run)
        write = not options.dry_run
        try:
            roster = RosterImport(
                self.reader,
                self.directory,
                report,
                write,
                options.tenant_map,
                options.active_statuses,
                options.batch,
                self.progress,
            ).run()
            media = AggregateImport(
                self.reader,
                self.videos,
                self.grants,
                self.progresses,
                self.sessions,
                roster,
                report,
                self.progress,
                write,
                options.retranscode,
                options.batch,
                self.marks,
                options.overlap,
                histories=self.histories,
            )
            media.run()
        finally:
            self.progress.finish()
        if write:
            for kind, highest in media.highest.items():
                self.ids.advance_past(kind, highest)
        return report
