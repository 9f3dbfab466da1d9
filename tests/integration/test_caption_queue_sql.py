"""The ``caption_jobs`` queue on SQLite and PostgreSQL: a rebuild gives the same rows as live
projection (the claimers' columns aside), and claimers at once each get a track of their own."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, inspect, select

from academy_video.adapters.sql import migrate
from academy_video.adapters.sql.caption_queue import caption_jobs
from academy_video.adapters.sql.verify import verify
from academy_video.app.caption_jobs import CaptionJob
from academy_video.app.ports import Transcription
from tests.unit.app.conftest import TENANT, World

from .conftest import Deployment
from .test_playback_event_migration import downgrade
from .test_read_models import engine_of

PROJECTED_COLUMNS = ("aggregate_id", "video_id", "tenant", "language", "queued_seq")


def queued(engine: Engine) -> list[tuple[Any, ...]]:
    columns = [caption_jobs.c[name] for name in PROJECTED_COLUMNS]
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(*columns)))


def request(world: World, video: int, language: str) -> None:
    world.app.caption_jobs.request(
        tenant=TENANT, video_id=video, language=language, label=language, kind="subtitles"
    )


def test_a_rebuild_gives_the_same_queue(deployment: Deployment) -> None:
    world = deployment.world()
    assert world.app.engine is not None and world.app.projector is not None
    waiting, failed, deleted = (world.ready_video() for _ in range(3))
    request(world, waiting, "ko")
    request(world, failed, "ko")
    outcome = world.app.caption_jobs.record(
        CaptionJob(_claimed(world, failed), TENANT, ""), Transcription(reason="timeout")
    )
    assert outcome == "failed"
    request(world, deleted, "ko-KR")
    world.app.catalog.delete(tenant=TENANT, video_id=deleted)
    live = queued(world.app.engine)
    assert [row[1:4] for row in live] == [(waiting, TENANT, "ko")]
    world.app.projector.rebuild()
    assert queued(world.app.engine) == live
    assert verify(world.app.engine, world.app.applications) == []


def _claimed(world: World, video: int) -> Any:
    for _ in range(4):
        job = world.app.caption_jobs.claim_next("w")
        assert job is not None
        if job.video_id == video:
            return job.ref
    raise AssertionError("never claimed")


def test_claimers_at_once_each_get_their_own_track(deployment: Deployment) -> None:
    world = deployment.world()
    videos = [world.ready_video() for _ in range(4)]
    for video in videos:
        request(world, video, "ko")
    got: list[tuple[int, str]] = []
    lock = threading.Lock()

    def claim(name: str) -> None:
        job = world.app.caption_jobs.claim_next(name)
        if job is not None:
            with lock:
                got.append((job.video_id, job.language))

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == sorted((video, "ko") for video in videos)


def test_the_migration_adds_and_removes_the_table(deployment: Deployment) -> None:
    engine = engine_of(deployment.start())
    assert "caption_jobs" in inspect(engine).get_table_names()
    downgrade(engine, "0008")
    assert "caption_jobs" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    indexes = {str(i["name"]) for i in inspect(engine).get_indexes("caption_jobs")}
    assert "ix_caption_jobs_queued_seq" in indexes
