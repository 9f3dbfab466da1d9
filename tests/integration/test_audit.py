"""The audit chain on SQLite and PostgreSQL: a stored event edited, deleted or slipped in with
SQL behind the service's back is named by ``audit verify`` (exit 1); a clean log passes. Plus the
audit CLI: events, state, and the replay that compares the read models with the log."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from sqlalchemy import delete, select

from academy_video.adapters.cli import main as cli
from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.audit_chain import SqlSeals
from academy_video.app.applications import EventSourcedApp
from academy_video.app.audit_seal import verify_chain
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.policy import Rule
from academy_video.domain.video import Video
from tests.unit.app.conftest import ALICE, TENANT, World

from .conftest import Deployment
from .test_read_models import engine_of, play_a_little

KEY = "audit-key-for-tests"


@pytest.fixture
def sealed(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> Deployment:
    """The deployment with an audit key, and the CLI pointed at it with the same key."""
    deployment.settings = replace(deployment.settings, audit_key=KEY)
    for name, value in deployment.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ACADEMY_VIDEO_AUDIT_KEY", KEY)
    return deployment


def tamper(deployment: Deployment, app: EventSourcedApp, sql: str, **params: Any) -> int:
    """Run ``sql`` on ``app``'s stored events table ({table}) directly, as an intruder with
    database access would; ``:id`` is the aggregate id as the store keeps it. Rows changed."""
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    if "id" in params:
        params["id"] = params["id"].hex if deployment.backend == "sqlite" else params["id"]
    if deployment.backend == "sqlite":
        path = deployment.settings.data_dir / "events" / f"{app.name.lower()}.sqlite3"
        with sqlite3.connect(path) as conn:
            changed = conn.execute(sql.format(table=table), params).rowcount
        conn.close()
        return changed
    statement = sql.format(table=table).replace(":id", "%(id)s").replace(":state", "%(state)s")
    with psycopg.connect(deployment.settings.database_url, autocommit=True) as pg:
        return pg.execute(statement, params).rowcount


def forged_registration(app: EventSourcedApp, video: int, title: str) -> bytes:
    """A well-formed payload for the video's first event with another title: the edit a
    careful intruder would make (the service reads it back without complaint)."""
    event = next(iter(app.events.get(Video.create_id(video), lte=1)))
    object.__setattr__(event, "title", title)
    return app.mapper.to_stored_event(event).state


def audit_out(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli(["audit", *argv])
    return code, capsys.readouterr().out


def academy(deployment: Deployment) -> tuple[World, int]:
    world = deployment.world()
    video = world.ready_video()
    world.app.permissions.bulk_set(
        tenant=TENANT, video_id=video, enrollment_ids=[ALICE], rule=Rule.ONCE
    )
    play_a_little(world, video)
    return world, video


def test_a_clean_log_verifies(sealed: Deployment, capsys: pytest.CaptureFixture[str]) -> None:
    world, _ = academy(sealed)
    code, out = audit_out(capsys, "verify")
    assert code == 0, out
    assert "the event log matches its audit chain" in out
    assert "Videos: 4 events checked, 0 not sealed yet" in out
    # Page by page gives the same answer (links are looked up per page).
    report = verify_chain(
        world.app.applications, SqlSeals(engine_of(world.app)), KEY.encode(), page=2
    )
    assert report.intact and report.checked["Videos"] == 4
    # Another key recomputes other links: every event looks edited.
    other = verify_chain(world.app.applications, SqlSeals(engine_of(world.app)), b"not-the-key")
    assert {f.kind for f in other.findings} == {"edited"}
    assert len(other.findings) == sum(other.checked.values())


def test_processes_taking_turns_on_one_aggregate_chain_it_as_one(sealed: Deployment) -> None:
    """Each process's sealer remembers only its own last links: when another process wrote
    the version before, the previous link is read from the table."""
    world, video = academy(sealed)
    other = sealed.start()
    for turn, rule in enumerate([Rule.FREE, Rule.BLOCKED, Rule.ONCE, Rule.FREE]):
        app = (world.app, other)[turn % 2]
        app.permissions.bulk_set(tenant=TENANT, video_id=video, enrollment_ids=[ALICE], rule=rule)
    assert other.projector is not None
    other.projector.catch_up_all()
    report = verify_chain(world.app.applications, SqlSeals(engine_of(world.app)), KEY.encode())
    assert report.intact, [f.describe() for f in report.findings]
    assert report.checked["Grants"] >= 5


def test_an_event_edited_in_the_store_is_named_and_a_rebuild_reseals(
    sealed: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    world, video = academy(sealed)
    forged = forged_registration(world.app.videos, video, "forged title")
    changed = tamper(
        sealed,
        world.app.videos,
        "UPDATE {table} SET state = :state WHERE originator_id = :id AND originator_version = 1",
        state=forged,
        id=Video.create_id(video),
    )
    assert changed == 1
    # The service reads the forged event back as if it were true...
    code, out = audit_out(capsys, "events", "video", str(video))
    assert code == 0 and json.loads(out.splitlines()[0])["data"]["title"] == "forged title"
    # ...but the seal does not match it: exactly that event is named.
    code, out = audit_out(capsys, "verify")
    assert code == 1
    aggregate = Video.create_id(video)
    assert f"Videos {aggregate} v1: stored event differs from what was sealed (edited)" in out
    assert "1 events do not match the audit chain" in out

    # A rebuild seals the log as it stands (docs/audit.md: verify before you rebuild).
    assert cli(["projections", "rebuild"]) == 0
    assert "re-sealed" in capsys.readouterr().out
    assert audit_out(capsys, "verify")[0] == 0


def test_a_deleted_event_is_named_as_missing(
    sealed: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    world, video = academy(sealed)
    assert (
        tamper(
            sealed,
            world.app.videos,
            "DELETE FROM {table} WHERE originator_id = :id AND originator_version = 2",
            id=Video.create_id(video),
        )
        == 1
    )
    code, out = audit_out(capsys, "verify")
    assert code == 1
    # Only the deleted one: the next event's link is checked against the stored link before it.
    findings = [line for line in out.splitlines() if " v" in line and ": " in line]
    assert findings == [
        f"Videos {Video.create_id(video)} v2: sealed event is missing from the log (deleted)"
    ]
    # A whole aggregate's events gone: each of its seals is named.
    grant = PermissionGrant.create_id(video, ALICE)
    assert tamper(
        sealed, world.app.grants, "DELETE FROM {table} WHERE originator_id = :id", id=grant
    )
    code, out = audit_out(capsys, "verify")
    assert code == 1 and f"Grants {grant} v1: sealed event is missing" in out


def test_an_event_without_a_seal_is_named_as_unexpected(
    sealed: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    """Standing in for a row slipped into the log: its seal was never written."""
    world, video = academy(sealed)
    engine = engine_of(world.app)
    c = t.audit_chain.c
    with engine.begin() as conn:
        conn.execute(
            delete(t.audit_chain).where(c.aggregate_id == Video.create_id(video), c.version == 3)
        )
        assert conn.execute(select(t.audit_chain)).first() is not None
    code, out = audit_out(capsys, "verify")
    assert code == 1
    assert f"Videos {Video.create_id(video)} v3: stored event was never sealed" in out


def test_audit_events_state_and_replay_from_the_command_line(
    sealed: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    world, video = academy(sealed)
    code, out = audit_out(capsys, "events", "video", str(video))
    assert code == 0
    types = [json.loads(line)["type"] for line in out.splitlines()]
    assert types == ["Registered", "UploadConfirmed", "ProcessingStarted", "ProcessingCompleted"]

    session = world.app.playback.starts.start(
        tenant=TENANT, user_id=1001, video_id=video, enrollment_id=ALICE, device_id="d2"
    )
    code, out = audit_out(capsys, "events", "session", session.session_id)
    assert code == 0 and json.loads(out.splitlines()[0])["type"] == "Started"

    code, out = audit_out(capsys, "events", "permission", str(video), str(ALICE))
    assert code == 0 and json.loads(out.splitlines()[0])["version"] == 1

    code, out = audit_out(capsys, "state", "video", str(video), "--version", "1")
    state = json.loads(out)
    assert code == 0 and state["version"] == 1 and state["state"]["status"] == "PENDING"
    code, out = audit_out(capsys, "state", "video", str(video), "--at", "2999-01-01T00:00:00")
    assert code == 0 and json.loads(out)["state"]["status"] == "READY"
    assert audit_out(capsys, "state", "video", str(video), "--at", "2000-01-01")[0] == 1
    assert audit_out(capsys, "state", "video", str(video), "--at", "soon")[0] == 2
    assert audit_out(capsys, "events", "video", "424242")[0] == 1

    code, out = audit_out(capsys, "replay")
    assert code == 0 and "read models equal a rebuild from the event log" in out
    with engine_of(world.app).begin() as conn:
        conn.execute(t.videos.update().values(title="edited behind our back"))
    code, out = audit_out(capsys, "replay")
    assert code == 1 and "title: live 'edited behind our back' ≠ log 'Limits'" in out


def test_without_a_key_set_verify_uses_the_local_one_or_refuses(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The embedded default seals with the key ``serve`` generated into secrets.json; on
    PostgreSQL none is ever made up (every process must share it), so verify refuses."""
    for name, value in deployment.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ACADEMY_VIDEO_AUDIT_KEY", raising=False)
    if deployment.backend == "sqlite":
        assert cli(["audit", "verify"]) == 0
        secrets = json.loads((deployment.settings.data_dir / "secrets.json").read_text())
        assert secrets["audit_key"]
        return
    assert cli(["audit", "verify"]) == 2
    assert "ACADEMY_VIDEO_AUDIT_KEY" in capsys.readouterr().err
