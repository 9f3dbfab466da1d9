"""The job queue's rows for a READY video's re-encode, projected on SQLite and PostgreSQL: queued
behind what was queued before it, leased and renewed like any job, gone once the new output is
recorded (or the re-encode failed), and the same after a rebuild from the log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql.verify import verify
from tests.unit.app.conftest import TENANT, World
from tests.unit.app.test_reencode_jobs import NEW, OLD, VIDEO, import_old_ready

from .conftest import Deployment
from .test_read_models import engine_of


def rows(world: World) -> dict[int, Any]:
    with engine_of(world.app).connect() as conn:
        return {r.video_id: r for r in conn.execute(select(t.job_queue))}


def status_and_path(world: World) -> tuple[str, str]:
    with engine_of(world.app).connect() as conn:
        row = conn.execute(
            select(t.videos.c.status, t.videos.c.hls_path).where(t.videos.c.video_id == VIDEO)
        ).one()
    return row.status, row.hls_path


def uploaded(world: World) -> int:
    ticket = world.app.uploads.init(tenant=TENANT, session_id=10, title="new", filename="a.mp4")
    world.storage.put(ticket.file_key, b"video:10")
    world.app.uploads.complete(tenant=TENANT, video_id=ticket.video.video_id)
    return ticket.video.video_id


def test_a_re_encode_is_a_job_in_the_queue_while_the_video_stays_ready(
    deployment: Deployment,
) -> None:
    world = deployment.world()
    earlier = uploaded(world)
    import_old_ready(world)
    assert rows(world).keys() == {earlier}
    world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="switchover")
    world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="again")  # no new round
    queued = rows(world)
    assert queued.keys() == {earlier, VIDEO}
    assert queued[earlier].queued_seq < queued[VIDEO].queued_seq  # oldest first
    assert queued[VIDEO].available_at is None
    assert status_and_path(world) == ("READY", f"{OLD}master.m3u8")

    # Claimed after the upload queued before it, leased, renewed.
    assert world.app.jobs.claim_next("w1").video_id == earlier  # type: ignore[union-attr]
    job = world.app.jobs.claim_next("w2")
    assert job is not None and job.video_id == VIDEO
    leased = rows(world)[VIDEO].available_at
    assert leased is not None
    world.clock.advance(5)
    world.app.jobs.heartbeat(VIDEO, "w2", 50)
    assert rows(world)[VIDEO].available_at > leased
    assert status_and_path(world) == ("READY", f"{OLD}master.m3u8")
    assert world.app.jobs.claim_next("w3") is None

    world.app.jobs.complete(VIDEO, "w2", hls_path=f"{NEW}master.m3u8")
    assert rows(world).keys() == {earlier}
    assert status_and_path(world) == ("READY", f"{NEW}master.m3u8")

    # The log gives the same rows again.
    before = rows(world)
    assert world.app.projector is not None
    world.app.projector.rebuild()
    assert {k: v.queued_seq for k, v in rows(world).items()} == {
        k: v.queued_seq for k, v in before.items()
    }
    assert verify(engine_of(world.app), world.app.applications) == []


def test_a_failed_re_encode_leaves_the_queue(deployment: Deployment) -> None:
    world = deployment.world()
    import_old_ready(world)
    world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="switchover")
    assert world.app.jobs.claim_next("w1") is not None
    world.app.jobs.fail(VIDEO, "w1", "decode_failed")
    assert rows(world) == {}
    assert status_and_path(world) == ("READY", f"{OLD}master.m3u8")
    # Queued again: a new round, claimable although an earlier claim named the video.
    world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="again")
    assert world.app.jobs.claim_next("w2") is not None
