"""SQL read models on SQLite and PostgreSQL: read-your-writes, rebuild == live, verify finds
tampering, exactly-once projection across a kill -9, and several processes projecting at once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from academy_video.adapters.cli import main as cli
from academy_video.adapters.sql import migrate
from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.verify import verify
from academy_video.bootstrap import Adapters, Container
from academy_video.domain.policy import GrantRules, Rule
from academy_video.domain.video import MAX_REASON_LENGTH
from tests.unit.app.conftest import ALICE, BOB, TENANT, USERS, World

from .conftest import Deployment


def rows(engine: Engine, table: Any, **where: Any) -> list[dict[str, Any]]:
    query = select(table).where(*(table.c[k] == v for k, v in where.items()))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def engine_of(container: Container) -> Engine:
    assert container.engine is not None
    return container.engine


def play_a_little(world: World, video: int) -> str:
    """A student watches, trips one violation, and the session stays open; returns the token."""
    started = world.app.playback.starts.start(
        tenant=TENANT, user_id=USERS[ALICE], video_id=video, enrollment_id=ALICE, device_id="d1"
    )
    for _ in range(3):
        world.clock.advance(10)
        world.heartbeat(
            user_id=USERS[ALICE], token=started.token, position=world.clock.now().second
        )
    world.report_events(
        user_id=USERS[ALICE],
        token=started.token,
        events=[
            {"type": "VISIBILITY_HIDDEN"},
            {"type": "FOCUS_LOST", "payload": {"why": "alt-tab"}},
            {"type": "VISIBILITY_VISIBLE"},
        ],
    )
    return started.token


def test_every_use_case_shows_in_the_read_models_when_it_returns(deployment: Deployment) -> None:
    world = deployment.world()
    engine = engine_of(world.app)
    ticket = world.app.uploads.init(tenant=TENANT, session_id=10, title="Limits", filename="a.mp4")
    video_id = ticket.video.video_id
    [video] = rows(engine, t.videos, video_id=video_id)
    assert (video["status"], video["order"], video["tenant"]) == ("PENDING", 1, TENANT)
    assert rows(engine, t.job_queue) == []

    world.storage.put(ticket.file_key, b"video:120")
    world.app.uploads.complete(tenant=TENANT, video_id=video_id)
    [video] = rows(engine, t.videos, video_id=video_id)
    assert (video["status"], video["duration"]) == ("UPLOADED", 120.0)
    [job] = rows(engine, t.job_queue, video_id=video_id)
    assert job["available_at"] is None

    assert world.app.jobs.claim_next("w1") is not None
    [video] = rows(engine, t.videos, video_id=video_id)
    assert (video["status"], video["attempts"]) == ("PROCESSING", 1)
    [job] = rows(engine, t.job_queue, video_id=video_id)
    assert job["available_at"] is not None and job["claimed_by"] == "w1"

    world.app.jobs.heartbeat(video_id, "w1", progress=40)
    assert rows(engine, t.videos, video_id=video_id)[0]["processing_progress"] == 40
    master = f"hls/{TENANT}/videos/{video_id}/master.m3u8"
    world.app.jobs.complete(video_id, "w1", hls_path=master, duration=119.5)
    [video] = rows(engine, t.videos, video_id=video_id)
    assert (video["status"], video["hls_path"], video["duration"]) == (
        "READY",
        master,
        119.5,
    )
    assert rows(engine, t.job_queue) == []

    world.app.permissions.create(
        tenant=TENANT, video_id=video_id, enrollment_id=BOB, rules=GrantRules(rule=Rule.ONCE)
    )
    [grant] = rows(engine, t.permissions, video_id=video_id, enrollment_id=BOB)
    assert (grant["rule"], grant["active"], grant["is_override"]) == ("once", True, False)

    play_a_little(world, video_id)
    [session] = rows(engine, t.playback_sessions, enrollment_id=ALICE)
    assert (session["status"], session["events_total"], session["violations_total"]) == (
        "ACTIVE",
        3,
        0,
    )
    events = rows(engine, t.playback_events, session_id=session["session_id"])
    assert sorted(e["event_type"] for e in events) == [
        "FOCUS_LOST",
        "VISIBILITY_HIDDEN",
        "VISIBILITY_VISIBLE",
    ]
    assert {e["video_id"] for e in events} == {video_id}
    assert {e["user_id"] for e in events} == {USERS[ALICE]}
    [progress] = rows(engine, t.progress, video_id=video_id, enrollment_id=ALICE)
    assert progress["progress"] > 0

    world.app.videos.delete(video_id)
    assert rows(engine, t.videos, video_id=video_id) == []


def test_a_failure_reason_as_long_as_the_domain_allows_fits_the_read_model(
    deployment: Deployment,
) -> None:
    """A worker's reason is kept up to MAX_REASON_LENGTH; the column once held 255 characters, and
    on PostgreSQL a longer reason stopped the videos projection."""
    world = deployment.world()
    engine = engine_of(world.app)
    ticket = world.app.uploads.init(tenant=TENANT, session_id=10, title="Long", filename="a.mp4")
    video_id = ticket.video.video_id
    world.storage.put(ticket.file_key, b"video:120")
    world.app.uploads.complete(tenant=TENANT, video_id=video_id)
    assert world.app.jobs.claim_next("w1") is not None
    reason = "decode_failed at 3.0 s: " + "x" * 3000
    world.app.jobs.fail(video_id, "w1", reason)
    [video] = rows(engine, t.videos, video_id=video_id)
    assert video["error_reason"] == reason[:MAX_REASON_LENGTH]
    assert world.app.projector is not None and set(world.app.projector.lag().values()) == {0}


def test_events_stored_before_the_time_rule_still_project(deployment: Deployment) -> None:
    """Stored before player times were kept within the session's life, an event may hold any
    number; the projection keeps the player's time within the session too (a time no datetime
    can hold once stopped the playback-event read models). ``occurred_at`` is the batch's
    ``received_at``, whatever the items hold."""
    world = deployment.world()
    engine = engine_of(world.app)
    video = world.ready_video()
    play_a_little(world, video)
    [row] = rows(engine, t.playback_sessions, enrollment_id=ALICE)
    now = world.clock.now()
    items = [
        {"type": "FOCUS_LOST", "occurred_at": when, "payload": {}, "violated": False, "reason": ""}
        for when in (-1e12, 1e300)
    ]
    world.app.sessions._do(  # as the domain stored it before the rule
        row["session_id"], lambda s: s._events_reported(items=items, received_at=now)
    )
    assert world.app.projector is not None and set(world.app.projector.lag().values()) == {0}
    stored = rows(engine, t.playback_events, session_id=row["session_id"])
    latest = [e for e in stored if e["batch_version"] == max(e["batch_version"] for e in stored)]
    naive = now.replace(tzinfo=None)
    assert {e["occurred_at"].replace(tzinfo=None) for e in latest} == {naive}
    client = sorted(e["client_occurred_at"].replace(tzinfo=None) for e in latest)
    assert client == [row["started_at"].replace(tzinfo=None), naive]


def test_a_rebuild_equals_the_live_read_models(deployment: Deployment) -> None:
    world = deployment.world()
    engine = engine_of(world.app)
    video = world.ready_video()
    world.app.permissions.bulk_set(
        tenant=TENANT, video_id=video, enrollment_ids=[ALICE, BOB], rule=Rule.ONCE
    )
    play_a_little(world, video)
    world.app.permissions.remove(tenant=TENANT, video_id=video, enrollment_id=BOB)
    second = world.app.uploads.init(tenant=TENANT, session_id=10, title="Two", filename="b.mp4")
    world.app.videos.delete(second.video.video_id)

    before = {table.name: sorted(map(repr, rows(engine, table))) for table in t.PROJECTED}
    assert verify(engine, world.app.applications) == []
    assert world.app.projector is not None
    world.app.projector.rebuild()
    after = {table.name: sorted(map(repr, rows(engine, table))) for table in t.PROJECTED}
    assert after == before
    assert {name: len(r) for name, r in after.items()} == {
        "videos": 1,  # the deleted one is gone
        "job_queue": 0,
        "permissions": 2,  # BOB's removed grant stays, inactive
        "progress": 1,
        "playback_sessions": 1,
        "playback_events": 3,
        "playback_policies": 1,
        "playback_event_hours": 1,
        "webhook_subscriptions": 0,
        "webhook_subscription_types": 0,
        "caption_jobs": 0,
    }


def test_verify_reports_rows_that_differ_from_the_log(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world = deployment.world()
    engine = engine_of(world.app)
    video = world.ready_video()
    play_a_little(world, video)
    for name, value in deployment.env.items():
        monkeypatch.setenv(name, value)
    assert cli(["projections", "verify"]) == 0
    assert "equal a rebuild" in capsys.readouterr().out

    with engine.begin() as conn:
        conn.execute(t.videos.update().values(title="edited behind our back"))
        conn.execute(t.playback_events.delete().where(t.playback_events.c.item == 0))
    differences = verify(engine, world.app.applications)
    assert {d.table for d in differences} == {"videos", "playback_events"}
    assert cli(["projections", "verify"]) == 1
    out = capsys.readouterr().out
    assert "title: live 'edited behind our back' ≠ log 'Limits'" in out
    assert "missing from the live table" in out

    assert cli(["projections", "rebuild"]) == 0
    assert "rebuilt from" in capsys.readouterr().out
    assert cli(["projections", "verify"]) == 0
    assert cli(["projections", "status"]) == 0
    assert "0 behind" in capsys.readouterr().out


CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from academy_video.bootstrap import build
    from academy_video.app.config import Settings

    app = build(Settings.from_env())
    started = app.playback.starts.start(
        tenant="demo", user_id=int(sys.argv[1]), video_id=int(sys.argv[2]),
        enrollment_id=int(sys.argv[3]), device_id="d-crash",
    )
    def die(app_name, position):
        # The rows are written, the position is not: the worst moment to lose the process.
        if app_name == "PlaybackSessions":
            os.kill(os.getpid(), signal.SIGKILL)
    app.projector.before_tracking = die
    asyncio.run(app.playback.live.report_events(
        tenant="demo", user_id=int(sys.argv[1]), token=started.token,
        events=[{"type": "FOCUS_LOST"}, {"type": "PLAYER_ERROR"}],
    ))
    print("not killed")
    """
)


def test_a_projection_killed_between_rows_and_position_applies_exactly_once(
    deployment: Deployment,
) -> None:
    world = deployment.world()
    video = world.ready_video()
    world.app.close()

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(USERS[ALICE]), str(video), str(ALICE)],
        env={**os.environ, **deployment.env, "ACADEMY_VIDEO_PLAYBACK_TOKEN_SECRET": "k"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "not killed" not in child.stdout

    restarted = deployment.start()  # catches up on start
    engine = engine_of(restarted)
    [session] = rows(engine, t.playback_sessions, device_id="d-crash")
    assert (session["events_total"], session["violations_total"]) == (2, 0)
    assert count(engine, t.playback_events) == 2
    assert restarted.projector is not None
    assert restarted.projector.lag() == dict.fromkeys(restarted.projector.apps, 0)
    # The stored batch was applied once, not twice, and nothing else differs.
    assert verify(engine, restarted.applications) == []


def test_two_processes_projecting_at_once_neither_lose_nor_repeat_events(
    deployment: Deployment,
) -> None:
    world = deployment.world()
    video = world.ready_video()
    tokens = {}
    for enrollment in (ALICE, BOB):
        tokens[enrollment] = world.app.playback.starts.start(
            tenant=TENANT,
            user_id=USERS[enrollment],
            video_id=video,
            enrollment_id=enrollment,
            device_id=f"d{enrollment}",
        ).token
    other = deployment.start(adapters=Adapters(store=world.app.store, clock=world.clock))
    assert other.projector is not None
    other.projector.follow(interval=0.01)  # a second process's projector, pulling

    def report(app: Container, enrollment: int) -> None:
        for _ in range(25):
            asyncio.run(
                app.playback.live.report_events(
                    tenant=TENANT,
                    user_id=USERS[enrollment],
                    token=tokens[enrollment],
                    events=[{"type": "VISIBILITY_HIDDEN"}, {"type": "VISIBILITY_VISIBLE"}],
                )
            )

    threads = [
        threading.Thread(target=report, args=(app, enrollment))
        for app in (world.app, other)
        for enrollment in (ALICE, BOB)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    engine = engine_of(world.app)
    assert count(engine, t.playback_events) == 2 * 2 * 25 * 2
    totals = {r["enrollment_id"]: r["events_total"] for r in rows(engine, t.playback_sessions)}
    assert totals == {ALICE: 100, BOB: 100}
    assert verify(engine, world.app.applications) == []


def test_the_migrations_create_exactly_the_tables_the_code_declares(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    for name, value in deployment.env.items():
        monkeypatch.setenv(name, value)
    assert cli(["db", "upgrade"]) == 0
    assert cli(["db", "upgrade"]) == 0  # idempotent
    assert "revision 0010 (head 0010)" in capsys.readouterr().out
    container = deployment.start()
    with engine_of(container).connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": migrate.ours})
        assert compare_metadata(context, t.metadata) == []
        # Directory tables are not projections: a rebuild leaves them alone.
        conn.execute(text("SELECT count(*) FROM enrollments"))


def test_a_failed_projection_does_not_fail_the_stored_write_and_catches_up_later(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = deployment.world()
    projector = world.app.projector
    assert projector is not None
    healthy = projector._apply_events

    def broken(*args: Any) -> None:
        raise RuntimeError("read-model database unavailable")

    monkeypatch.setattr(projector, "_apply_events", broken)
    ticket = world.app.uploads.init(tenant=TENANT, session_id=10, title="T", filename="a.mp4")
    assert world.app.videos.get(ticket.video.video_id).title == "T"  # the write happened
    assert projector.lag()["Videos"] == 1
    monkeypatch.setattr(projector, "_apply_events", healthy)
    assert projector.catch_up_all() == 1
    assert rows(engine_of(world.app), t.videos, video_id=ticket.video.video_id) != []
