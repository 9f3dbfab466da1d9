import threading
from datetime import UTC, datetime, timedelta

import pytest

from academy_video.app.config import Settings
from academy_video.app.errors import Conflict, Invalid, NotFound
from academy_video.app.ports import MIN_PART_BYTES
from academy_video.domain.video import CannotRetry, LeaseLost, LeaseOwnerMismatch, VideoStatus

from .conftest import SESSION, TENANT, World, make_world


def init(world: World, title: str = "Limits", filename: str = "lecture.MOV") -> int:
    ticket = world.app.uploads.init(
        tenant=TENANT, session_id=SESSION, title=title, filename=filename
    )
    return ticket.video.video_id


def test_upload_init_reserves_a_pending_video_with_a_key_and_the_next_order(world: World) -> None:
    first = world.app.uploads.init(tenant=TENANT, session_id=SESSION, title="A", filename="a.MOV")
    second = world.app.uploads.init(
        tenant=TENANT,
        session_id=SESSION,
        title="B",
        filename="noext",
        content_type="video/webm; x=1",
    )
    assert first.video.status == VideoStatus.PENDING
    assert first.file_key.startswith(f"videos/{TENANT}/{SESSION}/") and first.file_key.endswith(
        ".mov"
    )
    assert second.file_key.endswith(".mp4")
    assert second.content_type == "video/webm"
    assert (first.video.order, second.video.order) == (1, 2)
    assert first.video.video_id != second.video.video_id
    assert first.upload_url


def test_a_filename_cannot_smuggle_a_path_into_the_key(world: World) -> None:
    ticket = world.app.uploads.init(
        tenant=TENANT, session_id=SESSION, title="A", filename="x.mp4/../../etc/passwd"
    )
    assert ".." not in ticket.file_key
    assert ticket.file_key.count("/") == 3


def test_upload_init_refuses_another_tenants_session(world: World) -> None:
    with pytest.raises(Invalid, match="unknown_session"):
        world.app.uploads.init(tenant=TENANT, session_id=20, title="A", filename="a.mp4")


def test_upload_complete_probes_and_queues_the_video(world: World) -> None:
    video_id = init(world)
    video = world.app.videos.get(video_id)
    world.storage.put(video.file_key, b"video:61.5")
    done = world.app.uploads.complete(tenant=TENANT, video_id=video_id)
    assert done.status == VideoStatus.UPLOADED
    assert done.duration == 61.5
    assert world.app.jobs.claim_next("w1") is not None


@pytest.mark.parametrize(
    ("content", "detail", "reason"),
    [
        (None, "S3 object not found", "source_not_found_or_empty"),
        (b"", "S3 object not found", "source_not_found_or_empty"),
        (b"audio", "invalid_media:no_video_stream", "invalid_media:no_video_stream"),
        (b"video:", "invalid_media:duration_missing", "invalid_media:duration_missing"),
        (b"garbage", "invalid_media:unreadable", "invalid_media:unreadable"),
    ],
)
def test_upload_complete_rejects_missing_or_non_video_files(
    world: World, content: bytes | None, detail: str, reason: str
) -> None:
    video_id = init(world)
    if content is not None:
        world.storage.put(world.app.videos.get(video_id).file_key, content)
    with pytest.raises(Conflict, match=detail):
        world.app.uploads.complete(tenant=TENANT, video_id=video_id)
    video = world.app.videos.get(video_id)
    assert video.status == VideoStatus.PENDING
    assert video.error_reason == reason
    assert world.app.jobs.claim_next("w1") is None
    assert video.file_key not in world.storage.sealed  # still open for another upload


def test_upload_complete_twice_is_a_conflict_naming_the_status(world: World) -> None:
    video_id = init(world)
    world.storage.put(world.app.videos.get(video_id).file_key, b"video:10")
    world.app.uploads.complete(tenant=TENANT, video_id=video_id)
    with pytest.raises(Conflict, match="Invalid status: UPLOADED"):
        world.app.uploads.complete(tenant=TENANT, video_id=video_id)


def test_a_confirmed_source_is_sealed_and_its_etag_goes_with_the_job(world: World) -> None:
    video_id = init(world)
    key = world.app.videos.get(video_id).file_key
    world.storage.put(key, b"video:10")
    unfinished = world.storage.start_multipart(key, "video/mp4", part_size=MIN_PART_BYTES)
    world.app.uploads.complete(tenant=TENANT, video_id=video_id)
    # The upload URLs take nothing more, and the unfinished multipart upload is gone.
    assert key in world.storage.sealed
    assert unfinished not in world.storage.uploads
    with pytest.raises(Conflict, match="upload_closed"):
        world.storage.put_url(world.storage.upload_url(key, "video/mp4", 60), b"video:99")
    # The version probed is recorded, and the worker is told which it may transcode.
    stored = world.storage.head(key)
    assert stored is not None and stored.etag
    assert world.app.videos.get(video_id).source_etag == stored.etag
    job = world.app.jobs.claim_next("w1")
    assert job is not None and job.source_etag == stored.etag


def test_a_video_has_one_multipart_upload_in_flight_at_a_time(world: World) -> None:
    """Each upload may hold up to the upload limit until the video is confirmed or cleaned up:
    a new one drops those before it, so starting upload after upload fills no disk."""
    video_id = init(world)
    size = 3 * MIN_PART_BYTES
    first = world.app.uploads.start_multipart(tenant=TENANT, video_id=video_id, size=size)
    second = world.app.uploads.start_multipart(tenant=TENANT, video_id=video_id, size=size)
    assert first.upload_id not in world.storage.uploads
    assert second.upload_id in world.storage.uploads
    assert len(world.storage.uploads) == 1


def test_deleted_and_abandoned_videos_have_their_uploads_sealed(world: World) -> None:
    deleted, abandoned = init(world, title="Deleted"), init(world, title="Abandoned")
    keys = [world.app.videos.get(v).file_key for v in (deleted, abandoned)]
    world.app.catalog.delete(tenant=TENANT, video_id=deleted)
    later = datetime.now(UTC) + timedelta(hours=world.app.settings.upload_ttl_hours + 1)
    assert world.app.uploads.cleanup_abandoned(later) == 1
    assert set(keys) <= world.storage.sealed


def test_another_tenant_cannot_complete_or_retry_the_upload(world: World) -> None:
    video_id = init(world)
    with pytest.raises(NotFound):
        world.app.uploads.complete(tenant="other", video_id=video_id)
    with pytest.raises(NotFound):
        world.app.jobs.retry(tenant="other", video_id=video_id)


def uploaded(world: World, count: int = 1) -> list[int]:
    ids = []
    for i in range(count):
        video_id = init(world, title=f"V{i}")
        world.storage.put(world.app.videos.get(video_id).file_key, b"video:10")
        world.app.uploads.complete(tenant=TENANT, video_id=video_id)
        ids.append(video_id)
    return ids


def test_workers_claim_the_oldest_video_first_and_never_the_same_one(world: World) -> None:
    first, second = uploaded(world, 2)
    job1 = world.app.jobs.claim_next("w1")
    job2 = world.app.jobs.claim_next("w2")
    assert job1 is not None and job2 is not None
    assert (job1.video_id, job2.video_id) == (first, second)
    assert (job1.tenant_code, job1.attempt) == (TENANT, 1)
    assert world.app.jobs.claim_next("w3") is None


def test_an_expired_lease_is_reclaimed_and_the_old_worker_is_locked_out(world: World) -> None:
    (video_id,) = uploaded(world)
    assert world.app.jobs.claim_next("w1") is not None
    world.clock.advance(30)
    world.app.jobs.heartbeat(video_id, "w1", progress=50)
    assert world.app.videos.get(video_id).processing_progress == 50
    world.clock.advance(59)
    assert world.app.jobs.claim_next("w2") is None  # the heartbeat kept the lease alive
    world.clock.advance(2)
    job = world.app.jobs.claim_next("w2")
    assert job is not None and job.attempt == 2
    with pytest.raises(LeaseLost):
        world.app.jobs.heartbeat(video_id, "w1")
    with pytest.raises(LeaseOwnerMismatch):
        world.app.jobs.complete(video_id, "w1", hls_path="x")
    master = f"hls/{TENANT}/videos/{video_id}/master.m3u8"
    assert world.app.jobs.complete(video_id, "w2", hls_path=master) == "ok"
    assert world.app.jobs.complete(video_id, "w2", hls_path=master) == "idempotent"
    assert world.app.videos.get(video_id).status == VideoStatus.READY


def test_a_video_whose_workers_keep_dying_fails_after_the_attempts_cap() -> None:
    world = make_world(Settings(playback_token_secret="s", max_attempts=2))
    (video_id,) = uploaded(world)
    for _ in range(2):
        assert world.app.jobs.claim_next("w") is not None
        world.clock.advance(61)
    assert world.app.jobs.claim_next("w") is None
    video = world.app.videos.get(video_id)
    assert (video.status, video.error_reason) == (VideoStatus.FAILED, "max_attempts_exceeded")
    # An instructor's retry gives it a fresh set of attempts.
    world.app.jobs.retry(tenant=TENANT, video_id=video_id)
    job = world.app.jobs.claim_next("w")
    assert job is not None and job.attempt == 1


def test_failure_is_idempotent_and_retry_requeues(world: World) -> None:
    (video_id,) = uploaded(world)
    world.app.jobs.claim_next("w1")
    assert world.app.jobs.fail(video_id, "w1", "decode_error") == "ok"
    assert world.app.jobs.fail(video_id, "w1", "decode_error") == "idempotent"
    assert world.app.jobs.claim_next("w2") is None
    video = world.app.jobs.retry(tenant=TENANT, video_id=video_id)
    assert video.status == VideoStatus.UPLOADED
    assert world.app.jobs.claim_next("w2") is not None
    with pytest.raises(CannotRetry):
        world.app.jobs.retry(tenant=TENANT, video_id=video_id)


def test_legacy_acknowledgement_completes_without_a_lease(world: World) -> None:
    (video_id,) = uploaded(world)
    assert (
        world.app.jobs.acknowledge_legacy(
            video_id, hls_path=f"hls/{TENANT}/videos/{video_id}/master.m3u8", duration=9
        )
        == "ok"
    )
    assert world.app.jobs.claim_next("w1") is None


def test_a_deleted_video_leaves_the_queue(world: World) -> None:
    (video_id,) = uploaded(world)
    world.app.videos.delete(video_id)
    assert world.app.jobs.claim_next("w1") is None
    with pytest.raises(NotFound):
        world.app.videos.get(video_id)


def test_eight_threads_racing_for_jobs_never_share_one(world: World) -> None:
    videos = uploaded(world, 20)
    claims: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work(worker: str) -> None:
        start.wait()
        while (job := world.app.jobs.claim_next(worker)) is not None:
            with lock:
                claims.append((worker, job.video_id))

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [video_id for _, video_id in claims]
    assert sorted(claimed) == sorted(videos)  # each exactly once
