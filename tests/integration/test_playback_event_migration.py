"""Migration 0006 on a deployment that already projected player events the old way (the player's
time as ``occurred_at``, no ids): after the upgrade the first catch-up projects the
PlaybackSessions log again, and the rows are those a rebuild gives. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from academy_video.adapters.sql import migrate
from academy_video.adapters.sql import tables as t
from tests.unit.app.conftest import ALICE

from .conftest import Deployment
from .test_read_models import engine_of, play_a_little, rows


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS))
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    tables = (t.playback_events, t.playback_policies, t.playback_event_hours)
    return {table.name: sorted(rows(engine, table), key=repr) for table in tables}


def test_the_upgrade_projects_the_stored_events_again(deployment: Deployment) -> None:
    world = deployment.world()
    engine = engine_of(world.app)
    video = world.ready_video()
    play_a_little(world, video)
    play_a_little(world, video)  # a second session: two sessions' events interleave ids
    projector = world.app.projector
    assert projector is not None
    expected = snapshot(engine)
    assert sorted(r["event_id"] for r in expected["playback_events"]) == [1, 2, 3, 4, 5, 6]
    position = projector.positions()["PlaybackSessions"]

    # The schema and rows as revision 0005 left them: fully projected, the old way.
    downgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE tracking SET notification_id = :p WHERE application_name = :n"),
            {"p": position, "n": "PlaybackSessions"},
        )
        conn.execute(
            text(
                "INSERT INTO playback_events (session_aggregate_id, batch_version, item,"
                " session_id, tenant, video_id, enrollment_id, user_id, event_type, violated,"
                " violation_reason, occurred_at, received_at, payload) VALUES (:a, 2, 0, 's',"
                " 'demo', :v, :e, 1, 'FOCUS_LOST', false, '', :at, :at, '{}')"
            ),
            {"a": uuid.uuid4().hex, "v": video, "e": ALICE, "at": datetime(2020, 1, 1, tzinfo=UTC)},
        )

    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert rows(engine, t.playback_events) == []  # the old rows are gone ...
    projector.catch_up_all()  # ... and the next catch-up (every start does one) projects anew
    assert snapshot(engine) == expected
    assert projector.lag()["PlaybackSessions"] == 0
