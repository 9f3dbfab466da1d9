"""``academy-video import django --verify``: the old app's answers (its tables, its rules)
against this service's, for every video; every difference printed, then the counts. Exit 0
when nothing differs but what docs/migration.md explains, 1 otherwise."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine, create_engine

from academy_video.adapters.legacy.old_rules import SqlOldAnswers
from academy_video.adapters.legacy.old_tables import OldTables
from academy_video.adapters.legacy.reader import engine_url
from academy_video.app.config import Settings
from academy_video.app.switchover.compare import Difference
from academy_video.app.switchover.verify import Verifier, VerifyReport
from academy_video.bootstrap import build
from academy_video.domain.policy import Limits


def verify_old(
    dsn: str, settings: Settings, tables: OldTables, tenant_map: Mapping[str, str]
) -> int:
    """``--verify`` on the old database at ``dsn`` (its tables named as the import names them)."""
    old = create_engine(engine_url(dsn))
    try:
        return run_verify(settings, old, tables, tenant_map)
    finally:
        old.dispose()


def run_verify(
    settings: Settings,
    old: Engine,
    tables: OldTables | None = None,
    tenant_map: Mapping[str, str] | None = None,
) -> int:
    """Compare the old database on ``old`` with this service built from ``settings``."""
    container = build(settings)
    try:
        if container.analytics is None or container.reads is None:
            raise RuntimeError("verify needs the SQL read models")
        verifier = Verifier(
            SqlOldAnswers(old, tables, tenant_map),
            container.analytics,
            container.reads,
            limits=Limits(settings.max_sessions, settings.max_devices),
        )
        report = verifier.run(container.clock.now(), _print)
    finally:
        container.close()
    print(describe(report))
    return 0 if report.ok else 1


def _print(difference: Difference) -> None:
    print(difference.describe(), flush=True)


def describe(report: VerifyReport) -> str:
    """The closing lines: videos compared, differences, and those the documented differences
    explain, by name."""
    lines = [
        f"verified {report.videos} videos: {report.differences} differences, "
        f"{sum(report.explained.values())} explained by documented differences"
    ]
    lines += [f"  {name}: {count}" for name, count in sorted(report.explained.items())]
    return "\n".join(lines)
