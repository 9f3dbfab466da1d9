"""The old database the import tests read: created by Django from the old models, filled
through the old ORM, on PostgreSQL and on SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.integration.conftest import DATABASE_URL, need_postgres
from tests.legacy_django import academy, database
from tests.legacy_django.database import LegacyDatabase

OLD_TABLES = {
    "tenants_tenant",
    "lectures_lecture",
    "lectures_session",
    "students_student",
    "enrollment_enrollment",
    "enrollment_sessionenrollment",
    "attendance_attendance",
    "video_video",
    "video_videopermission",
    "video_videoprogress",
    "video_videoplaybacksession",
    "video_videoplaybackevent",
}


@pytest.fixture(params=["sqlite", "postgres"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LegacyDatabase]:
    if request.param == "postgres":
        need_postgres()
        opened = database.open_postgres(DATABASE_URL)
    else:
        opened = database.open_sqlite(tmp_path / "old.sqlite3")
    yield opened
    database.close(opened)


def tables(old: LegacyDatabase) -> set[str]:
    if old.vendor == "sqlite":
        with sqlite3.connect(old.url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    else:
        with psycopg.connect(old.url) as conn:
            rows = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (old.schema,),
            ).fetchall()
    return {row[0] for row in rows}


def test_django_creates_the_old_tables_and_fills_every_kind_of_row(
    old_database: LegacyDatabase,
) -> None:
    assert tables(old_database) >= OLD_TABLES
    filled = academy.fill_small_academy(old_database)
    assert set(filled.rows) == OLD_TABLES
    assert all(filled.rows[table] > 0 for table in OLD_TABLES)
    assert set(filled.videos_by_status) == set(academy.VIDEO_STATUSES)
    bad = academy.add_bad_rows(old_database)
    assert {row.reason for row in bad} >= {
        "negative duration",
        "unknown status",
        "unknown rule",
        "dangling enrollment",
    }
