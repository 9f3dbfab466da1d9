"""``old_rules`` (SQL over the old tables) answers what the seed's own view code answers through
the old ORM, on the Django fixture, on SQLite and PostgreSQL: verify's reference is the old app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from academy_video.adapters.legacy.old_rules import SqlOldAnswers
from academy_video.adapters.legacy.old_tables import OldTables
from academy_video.adapters.sql.engine import postgres_engine
from tests.integration import seed_views
from tests.integration.conftest import DATABASE_URL, need_postgres
from tests.legacy_django import academy, database
from tests.legacy_django.database import LegacyDatabase


@pytest.fixture(params=["sqlite", "postgres"], scope="module")
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LegacyDatabase, Engine]]:
    if request.param == "postgres":
        need_postgres()
        old = database.open_postgres(DATABASE_URL)
        engine = postgres_engine(DATABASE_URL, schema=old.schema, pool_size=1)
    else:
        path: Path = tmp_path_factory.mktemp("old") / "old.sqlite3"
        old = database.open_sqlite(path)
        engine = create_engine(f"sqlite:///{path}")
    academy.fill_academy(old, videos=8, enrollments=60, events=3000, seed=5)
    yield old, engine
    engine.dispose()
    database.close(old)


def test_old_rules_answer_as_the_seed_views_do(filled: tuple[LegacyDatabase, Engine]) -> None:
    old, engine = filled
    answers = SqlOldAnswers(engine, OldTables())
    videos = list(answers.videos())
    assert len(videos) == 8
    checked_risk = 0
    for video in videos:
        since = academy.START + timedelta(days=25)  # a range that cuts the events in two
        for cut in (None, since):
            expected = seed_views.summary(old.alias, video.video_id, cut)
            got = answers.summary(video, cut)
            assert got == expected, (video.video_id, cut)
            ranked = answers.risk(video, cut)
            for row in ranked:
                row.pop("last_received_at")
            assert ranked == seed_views.risk(old.alias, video.video_id, cut)
            checked_risk += len(ranked)
        got_achievement = answers.achievement(video)
        for student in got_achievement["students"]:
            student.pop("raw_progress")
        assert got_achievement == seed_views.achievement(old.alias, video.video_id)
    assert checked_risk > 0  # the academy had events to rank
