"""``academy-video import django --verify`` after an import of the small old academy (Django's
own schema, PostgreSQL): no unexplained difference; a value tampered with on either side is
reported, that one, with its video and field, and the exit status says so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from academy_video.adapters import cli
from academy_video.app.config import Settings
from academy_video.bootstrap import build
from tests.integration.conftest import DATABASE_URL, need_postgres
from tests.legacy_django import academy, database
from tests.legacy_django.database import LegacyDatabase

NEW = "import_verify_new"


@pytest.fixture(scope="module")
def imported() -> Iterator[tuple[LegacyDatabase, str]]:
    """The small academy in an old schema, imported into a fresh service database."""
    need_postgres()
    old = database.open_postgres(DATABASE_URL)
    academy.fill_small_academy(old)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NEW} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NEW}")
    new_url = DATABASE_URL.rsplit("/", 1)[0] + "/" + NEW
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ACADEMY_VIDEO_DATABASE_URL", new_url)
        assert cli.main(["import", "django", *dsn(old)]) == 0
    yield old, new_url
    database.close(old)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NEW} WITH (FORCE)")


def dsn(old: LegacyDatabase) -> list[str]:
    return ["--dsn", old.url, "--schema", str(old.schema)]


def verify(
    imported: tuple[LegacyDatabase, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, list[str]]:
    old, new_url = imported
    monkeypatch.setenv("ACADEMY_VIDEO_DATABASE_URL", new_url)
    status = cli.main(["import", "django", *dsn(old), "--verify"])
    lines = capsys.readouterr().out.strip().splitlines()
    return status, lines


def differences(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("video ")]


def old_sql(old: LegacyDatabase, statement: str) -> list[tuple[object, ...]]:
    with psycopg.connect(old.url, options=f"-c search_path={old.schema}") as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def test_after_an_import_nothing_differs_but_what_is_documented(
    imported: tuple[LegacyDatabase, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, lines = verify(imported, monkeypatch, capsys)
    assert differences(lines) == []
    assert status == 0
    assert " 0 differences" in next(line for line in lines if line.startswith("verified "))


def test_an_old_value_changed_after_the_import_is_that_one_difference(
    imported: tuple[LegacyDatabase, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, _ = imported
    # A student attending ONLINE, with progress: only achievement shows last_position.
    ((progress_id, video_id, enrollment_id, last),) = old_sql(
        old,
        "SELECT p.id, p.video_id, p.enrollment_id, p.last_position FROM video_videoprogress p "
        "JOIN video_video v ON v.id = p.video_id JOIN attendance_attendance a "
        "ON a.session_id = v.session_id AND a.enrollment_id = p.enrollment_id "
        "WHERE a.status = 'ONLINE' ORDER BY p.id LIMIT 1",
    )
    position = int(str(last))
    old_sql(
        old,
        f"UPDATE video_videoprogress SET last_position = {position} + 7 WHERE id = {progress_id}",
    )
    try:
        status, lines = verify(imported, monkeypatch, capsys)
    finally:
        old_sql(
            old,
            f"UPDATE video_videoprogress SET last_position = {position} WHERE id = {progress_id}",
        )
    assert differences(lines) == [
        f"video {video_id}: achievement.students[enrollment={enrollment_id}].watched_seconds: "
        f"old {position + 7}, new {float(position)!r}"
    ]
    assert status == 1


def test_a_rule_changed_in_this_service_is_reported_with_its_video_and_fields(
    imported: tuple[LegacyDatabase, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, new_url = imported
    ((permission_id, video_id, enrollment_id, tenant),) = old_sql(
        old,
        "SELECT p.id, p.video_id, p.enrollment_id, t.code FROM video_videopermission p "
        "JOIN video_video v ON v.id = p.video_id "
        "JOIN lectures_session s ON s.id = v.session_id "
        "JOIN lectures_lecture l ON l.id = s.lecture_id "
        "JOIN tenants_tenant t ON t.id = l.tenant_id "
        "WHERE NOT p.block_seek ORDER BY p.id LIMIT 1",
    )
    settings = Settings.from_env({"ACADEMY_VIDEO_DATABASE_URL": new_url})
    container = build(settings)
    try:
        container.permissions.update(
            tenant=str(tenant),
            video_id=int(str(video_id)),
            enrollment_id=int(str(enrollment_id)),
            changes={"block_seek": True},
        )
        status, lines = verify(imported, monkeypatch, capsys)
    finally:
        container.permissions.update(
            tenant=str(tenant),
            video_id=int(str(video_id)),
            enrollment_id=int(str(enrollment_id)),
            changes={"block_seek": False},
        )
        container.close()
    found = differences(lines)
    assert [line.split(": old ")[0] for line in found] == [
        f"video {video_id}: permissions[id={permission_id}].block_seek",
        f"video {video_id}: permissions[id={permission_id}].policy",
    ]
    assert status == 1


def test_verify_reads_the_tables_under_the_names_the_import_was_given(
    imported: tuple[LegacyDatabase, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    old, new_url = imported
    names = tmp_path / "names.json"
    names.write_text(
        json.dumps({"video_video": {"table": "old_videos", "columns": {"title": "name"}}})
    )
    old_sql(old, "ALTER TABLE video_video RENAME TO old_videos")
    old_sql(old, "ALTER TABLE old_videos RENAME COLUMN title TO name")
    try:
        monkeypatch.setenv("ACADEMY_VIDEO_DATABASE_URL", new_url)
        status = cli.main(["import", "django", *dsn(old), "--names", str(names), "--verify"])
        lines = capsys.readouterr().out.strip().splitlines()
    finally:
        old_sql(old, "ALTER TABLE old_videos RENAME COLUMN name TO title")
        old_sql(old, "ALTER TABLE old_videos RENAME TO video_video")
    assert differences(lines) == []
    assert status == 0


def test_verify_imports_nothing_so_it_refuses_the_import_flags(
    imported: tuple[LegacyDatabase, str], capsys: pytest.CaptureFixture[str]
) -> None:
    old, _ = imported
    assert cli.main(["import", "django", *dsn(old), "--verify", "--dry-run"]) == 2
    assert "--verify imports nothing" in capsys.readouterr().err
