"""The read models: ``db`` (their schema, Alembic migrations) and ``projections`` (rebuild them
from the event log, compare them with a rebuild, or show how far behind they are)."""

from __future__ import annotations

import argparse
import time

from academy_video.adapters.sql import migrate
from academy_video.adapters.sql.projector import Projector, count_rows
from academy_video.adapters.sql.verify import verify
from academy_video.app.config import Settings
from academy_video.bootstrap import object_storage, open_applications, read_engine
from academy_video.bootstrap.transcripts import stored_cues

from .common import Subcommands, audit_key, report_differences


def add_commands(commands: Subcommands) -> None:
    db = commands.add_parser("db", help="read-model schema (Alembic migrations)")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(run=run_db)
    projections = commands.add_parser("projections", help="read models built from the event log")
    projections.add_argument("action", choices=["rebuild", "verify", "status"])
    projections.set_defaults(run=run_projections)


def run_db(args: argparse.Namespace, settings: Settings) -> int:
    engine = read_engine(settings)
    try:
        if args.action == "upgrade":
            migrate.upgrade(engine)
        print(f"read-model schema at revision {migrate.current(engine)} (head {migrate.head()})")
        return 0
    finally:
        engine.dispose()


def run_projections(args: argparse.Namespace, settings: Settings) -> int:
    engine = read_engine(settings)
    apps = open_applications(settings)
    try:
        migrate.upgrade(engine)
        if args.action == "rebuild":
            started = time.perf_counter()
            key = audit_key(settings)
            # The transcript index reads the caption files again: the settings' storage.
            cues_of = stored_cues(object_storage(settings))
            applied = Projector(engine, apps, audit_key=key, cues_of=cues_of).rebuild()
            seconds = time.perf_counter() - started
            rate = applied / seconds if seconds else 0.0
            print(f"rebuilt from {applied} events in {seconds:.2f} s ({rate:,.0f} events/s)")
            if key:
                print("  audit_chain: re-sealed the log as it stands (verify it before a rebuild)")
            for table, rows in count_rows(engine).items():
                print(f"  {table}: {rows} rows")
            return 0
        if args.action == "status":
            projector = Projector(engine, apps)
            lag = projector.lag()
            for name, position in projector.positions().items():
                print(f"{name}: at notification {position}, {lag[name]} behind")
            return 0
        return report_differences(verify(engine, apps))
    finally:
        for app in apps:
            app.close()
        engine.dispose()
