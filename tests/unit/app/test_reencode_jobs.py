"""Re-encoding READY videos in memory: the worker loop claims a queued re-encode like any job,
the video plays its old output meanwhile, and the completion switches it over and removes the
old output (a failure to remove is logged, never undoes the switch)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest

from academy_video.app.ports import TranscodeFailed, TranscodeOutput
from academy_video.app.worker import ServiceJobs, Worker
from academy_video.domain.video import VideoStatus
from tests.unit.domain.test_video_reencode import old_ready

from .conftest import SESSION, TENANT, USERS, World

VIDEO = 500
OLD = f"media/hls/{TENANT}/videos/{VIDEO}/"
NEW = f"hls/{TENANT}/videos/{VIDEO}/"


def import_old_ready(world: World) -> None:
    world.app.videos.save(
        old_ready(
            video_id=VIDEO,
            session_id=SESSION,
            file_key=f"videos/{TENANT}/{SESSION}/old.mp4",
            hls_path=f"{OLD}master.m3u8",
            thumbnail_key=f"{OLD}thumbnail.jpg",
        )
    )
    world.storage.put(f"{OLD}master.m3u8", b"old")
    world.storage.put(f"{OLD}720p/seg_00000.ts", b"old")


class PublishingTranscoder:
    """Publishes a new ladder where this service's transcoder does, checking on the way that the
    video is still READY on its old output (students play it meanwhile)."""

    def __init__(self, world: World, outcome: Callable[[], None] | None = None) -> None:
        self.world = world
        self.outcome = outcome

    def transcode(
        self,
        *,
        video_id: int,
        tenant: str,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        source_etag: str | None = None,
    ) -> TranscodeOutput:
        during = self.world.app.videos.get(video_id)
        assert (during.status, during.hls_path) == (VideoStatus.READY, f"{OLD}master.m3u8")
        during.check_playable()
        if self.outcome is not None:
            self.outcome()
        self.world.storage.put(f"{NEW}master.m3u8", b"new")
        return TranscodeOutput(f"{NEW}master.m3u8", 299.5, f"{NEW}thumbnail.jpg", [])

    def discard(self, *, video_id: int, tenant: str) -> None:
        raise AssertionError("nothing is discarded")


def run_one(world: World, transcoder: PublishingTranscoder) -> str:
    worker = Worker(ServiceJobs(world.app.jobs, "w1"), transcoder, heartbeat_seconds=60)
    job = worker.jobs.claim()
    assert job is not None and job.video_id == VIDEO
    return worker.process(job, threading.Event())


def test_the_worker_re_encodes_a_ready_video_and_it_switches_at_completion(world: World) -> None:
    import_old_ready(world)
    assert world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="switchover")
    assert run_one(world, PublishingTranscoder(world)) == "completed"
    video = world.app.videos.get(VIDEO)
    assert (video.status, video.hls_path, video.thumbnail_key, video.duration) == (
        VideoStatus.READY,
        f"{NEW}master.m3u8",
        f"{NEW}thumbnail.jpg",
        299.5,
    )
    assert not [key for key in world.storage.objects if key.startswith(OLD)]  # removed
    assert f"{NEW}master.m3u8" in world.storage.objects
    assert world.app.jobs.claim_next("w2") is None  # the queue is empty
    trail = [e.type for e in world.app.audit.video_events(TENANT, VIDEO)]
    assert trail == ["Imported", "ReencodeRequested", "ProcessingStarted", "Reencoded"]


def test_a_student_starts_playback_of_the_old_output_while_it_is_queued(world: World) -> None:
    import_old_ready(world)
    world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="switchover")
    assert world.app.jobs.claim_next("w1") is not None
    started = world.app.playback.starts.start(
        tenant=TENANT,
        user_id=USERS[101],
        video_id=VIDEO,
        enrollment_id=101,
        device_id="phone",
    )
    assert f"/{OLD}master.m3u8" in started.play_url


def test_a_failed_transcode_leaves_the_old_output(world: World) -> None:
    import_old_ready(world)
    world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="switchover")

    def refuse() -> None:
        raise TranscodeFailed("decode_failed at 2.0 s")

    assert run_one(world, PublishingTranscoder(world, refuse)) == "failed"
    video = world.app.videos.get(VIDEO)
    assert (video.status, video.hls_path, video.error_reason) == (
        VideoStatus.READY,
        f"{OLD}master.m3u8",
        "reencode_failed: decode_failed at 2.0 s",
    )
    assert f"{OLD}720p/seg_00000.ts" in world.storage.objects
    assert world.app.jobs.claim_next("w2") is None


def test_removing_the_old_output_may_fail_the_switch_stands(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_old_ready(world)
    world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="switchover")

    def unreachable(prefix: str) -> int:
        raise OSError("bucket unreachable")

    monkeypatch.setattr(world.storage, "delete_prefix", unreachable)
    with caplog.at_level(logging.ERROR, logger="academy_video.app.jobs"):
        assert run_one(world, PublishingTranscoder(world)) == "completed"
    assert world.app.videos.get(VIDEO).hls_path == f"{NEW}master.m3u8"
    assert f"removing {OLD} failed" in caplog.text


def test_a_deleted_video_leaves_the_queue_with_its_re_encode(world: World) -> None:
    import_old_ready(world)
    world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="switchover")
    world.app.catalog.delete(tenant=TENANT, video_id=VIDEO)
    assert world.app.jobs.claim_next("w1") is None
