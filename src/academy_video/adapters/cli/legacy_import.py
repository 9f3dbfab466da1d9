"""``import django``: bring an academy's old Django database over (docs/migration.md).

Reads the old tables at ``--dsn`` (PostgreSQL, or ``sqlite:///path``) and writes them into the
store the settings name; a progress bar on stderr, the report (skipped rows, counts per table)
on stdout. ``--dry-run`` writes nothing and prints the same report. ``--verify`` imports
nothing: it compares (``verify_import.py``), so it is run on its own after an import."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from academy_video.adapters.eventstore.histories import RecorderHistories
from academy_video.adapters.legacy.names import load_names
from academy_video.adapters.legacy.old_tables import OldTables
from academy_video.adapters.legacy.reader import SqlLegacyReader
from academy_video.app.config import Settings
from academy_video.app.switchover.importer import (
    DEFAULT_OVERLAP,
    MAX_BATCH,
    DjangoImport,
    ImportOptions,
)
from academy_video.app.switchover.records import IdFloor, ImportMarks
from academy_video.bootstrap import Adapters, build, id_allocator

from .common import Subcommands, refuse
from .verify_import import verify_old

MAX_TENANT_MAPS = 1000


def add_commands(commands: Subcommands) -> None:
    importing = commands.add_parser("import", help="bring data over from the old app")
    sources = importing.add_subparsers(dest="source", required=True)
    django = sources.add_parser("django", help="the old Django app's database")
    django.add_argument("--dsn", required=True, help="postgresql://… or sqlite:///path")
    django.add_argument("--schema", default=None, help="the old tables' PostgreSQL schema")
    django.add_argument("--dry-run", action="store_true", help="write nothing, report the same")
    django.add_argument(
        "--verify",
        action="store_true",
        help="import nothing: compare the old app's answers with this service's (exit 1 if any "
        "difference is not a documented one)",
    )
    django.add_argument(
        "--retranscode",
        action="store_true",
        help="queue READY videos for this service's ladder and AES keys (unplayable until done)",
    )
    django.add_argument(
        "--tenant-map", action="append", default=[], metavar="OLD=NEW", help="rename a tenant code"
    )
    django.add_argument(
        "--active-status",
        action="append",
        default=None,
        help="an enrollment status that may play (default ACTIVE; repeat for more)",
    )
    django.add_argument("--names", type=Path, default=None, help="JSON: other table/column names")
    django.add_argument("--batch", type=int, default=1000, help=f"rows per batch (≤ {MAX_BATCH})")
    django.add_argument(
        "--overlap-minutes",
        type=float,
        default=DEFAULT_OVERLAP.total_seconds() / 60,
        help="read each table again from its last run's mark less this (late commits, clocks)",
    )
    django.set_defaults(run=run_import_django)


def run_import_django(args: argparse.Namespace, settings: Settings) -> int:
    tenant_map: dict[str, str] = {}
    if len(args.tenant_map) > MAX_TENANT_MAPS:
        return refuse(f"at most {MAX_TENANT_MAPS} --tenant-map")
    for pair in args.tenant_map:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            return refuse(f"--tenant-map wants OLD=NEW, not {pair!r}")
        tenant_map[old] = new
    try:
        options = ImportOptions(
            dry_run=args.dry_run,
            retranscode=args.retranscode,
            tenant_map=tenant_map,
            active_statuses=frozenset(args.active_status or ["ACTIVE"]),
            batch=args.batch,
            overlap=timedelta(minutes=args.overlap_minutes),
        )
        names = load_names(args.names)
    except (ValueError, OSError, OverflowError) as error:
        return refuse(str(error))
    if args.verify:
        if args.dry_run or args.retranscode:
            return refuse("--verify imports nothing: drop --dry-run and --retranscode")
        return verify_old(args.dsn, settings, OldTables(names, args.schema), tenant_map)
    reader = SqlLegacyReader(args.dsn, schema=args.schema, names=names)
    ids = id_allocator(settings)
    container = build(settings.with_local_secrets(), replace(Adapters(), ids=ids))
    # The projector catches up in a thread while the import saves (the import reads no read
    # model); the read models are whole again when the import returns, or fails.
    projecting = container.projector.behind() if container.projector else nullcontext()
    try:
        floor: IdFloor = ids  # type: ignore[assignment]
        marks: ImportMarks = ids  # type: ignore[assignment]
        with projecting:
            report = DjangoImport(
                reader,
                container.directory,
                container.videos,
                container.grants,
                container.progresses,
                container.sessions,
                floor,
                progress=BarOnStderr(),
                marks=marks,
                histories=RecorderHistories(),
            ).run(options)
    finally:
        container.close()
        reader.close()
    for line in report.lines():
        print(line)
    return 0


class BarOnStderr:
    """rich's progress bar: rows per second and the time left, one table at a time."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description:32}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>10} rows/s"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
        )
        self.task: Any = None
        self.bar.start()

    def start(self, table: str, total: int) -> None:
        self.task = self.bar.add_task(table, total=total, rate="")

    def advance(self, rows: int) -> None:
        if self.task is None:
            return
        self.bar.advance(self.task, rows)
        speed = self.bar.tasks[-1].speed
        self.bar.update(self.task, rate=f"{speed:,.0f}" if speed else "")

    def finish(self) -> None:
        self.bar.stop()
