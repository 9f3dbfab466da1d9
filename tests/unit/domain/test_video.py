from datetime import datetime
from typing import Literal, TypedDict

import pytest

from academy_video.domain.errors import InvalidValue
from academy_video.domain.policy import VideoDefaults
from academy_video.domain.video import (
    CannotRetry,
    IllegalTransition,
    LeaseLost,
    LeaseOwnerMismatch,
    NotClaimable,
    NotReady,
    Video,
    VideoDeleted,
    VideoStatus,
)
from tests.unit.domain.builders import T0, at, new_video

PROBE = {"duration": 61.5, "has_video": True, "codec": "h264", "width": 640, "height": 360}


def uploaded() -> Video:
    video = new_video()
    video.confirm_upload(size=1000, probe=PROBE)
    return video


def processing(worker: str = "w1", now: datetime = T0) -> Video:
    video = uploaded()
    assert video.start_processing(worker_id=worker, now=now, lease_seconds=60, max_attempts=3)
    return video


def ready() -> Video:
    video = processing()
    video.complete_processing(worker_id="w1", now=at(10), hls_path="hls/demo/videos/7/master.m3u8")
    return video


def failed() -> Video:
    video = processing()
    video.fail_processing(worker_id="w1", now=at(10), reason="decode error")
    return video


def test_a_registered_video_is_pending_with_its_defaults_and_policy_version_one() -> None:
    video = new_video(allow_skip=True, max_speed=1.5, show_watermark=False)
    assert video.id == Video.create_id(7)
    assert video.status == VideoStatus.PENDING
    assert video.defaults == VideoDefaults(True, 1.5, False)
    assert video.policy_version == 1


@pytest.mark.parametrize("speed", [0, -1, 16.01, 100])
def test_registration_refuses_a_max_speed_out_of_range(speed: float) -> None:
    with pytest.raises(InvalidValue):
        new_video(max_speed=speed)


def test_confirmed_upload_records_the_probe_and_becomes_uploaded() -> None:
    video = uploaded()
    assert video.status == VideoStatus.UPLOADED
    assert video.duration == 61.5
    assert video.probe["codec"] == "h264"
    assert video.size == 1000


def test_rejected_upload_keeps_the_video_pending_with_a_reason() -> None:
    video = new_video()
    video.reject_upload(reason="invalid_media:no_video_stream")
    # One comparison: mypy would keep a narrowed status past confirm_upload below.
    assert (video.status, video.error_reason) == (
        VideoStatus.PENDING,
        "invalid_media:no_video_stream",
    )
    # Another upload of a good file can still be confirmed.
    video.confirm_upload(size=10, probe=PROBE)
    assert video.status == VideoStatus.UPLOADED
    assert video.error_reason == ""


@pytest.mark.parametrize("make", [uploaded, processing, ready, failed])
def test_upload_can_only_be_confirmed_or_rejected_while_pending(make) -> None:  # type: ignore[no-untyped-def]
    video = make()
    with pytest.raises(IllegalTransition, match=f"Invalid status: {video.status}"):
        video.confirm_upload(size=1, probe=PROBE)
    with pytest.raises(IllegalTransition):
        video.reject_upload(reason="x")


@pytest.mark.parametrize("make", [new_video, ready, failed])
def test_only_uploaded_or_lapsed_processing_videos_can_be_claimed(make) -> None:  # type: ignore[no-untyped-def]
    video = make()
    assert not video.is_claimable(at(0))
    with pytest.raises(NotClaimable):
        video.start_processing(worker_id="w", now=at(0), lease_seconds=60, max_attempts=3)


def test_a_live_lease_is_not_claimable_and_an_expired_one_is_reclaimed() -> None:
    video = processing("w1", now=at(0))
    assert video.leased_until == at(60)
    assert not video.is_claimable(at(60))
    with pytest.raises(NotClaimable):
        video.start_processing(worker_id="w2", now=at(30), lease_seconds=60, max_attempts=3)
    # w1 died: after its lease, w2 takes the job over.
    assert video.start_processing(worker_id="w2", now=at(61), lease_seconds=60, max_attempts=3)
    assert video.leased_by == "w2"
    assert video.attempts == 2


def test_after_max_attempts_a_claim_fails_the_video_instead_of_looping() -> None:
    video = processing("w1", now=at(0))
    assert video.start_processing(worker_id="w2", now=at(61), lease_seconds=60, max_attempts=3)
    assert video.start_processing(worker_id="w3", now=at(122), lease_seconds=60, max_attempts=3)
    assert not video.start_processing(worker_id="w4", now=at(183), lease_seconds=60, max_attempts=3)
    assert video.status == VideoStatus.FAILED
    assert video.error_reason == "max_attempts_exceeded"


def test_the_lease_holder_extends_its_lease_and_reports_progress() -> None:
    video = processing("w1", now=at(0))
    video.extend_lease(worker_id="w1", now=at(50), lease_seconds=60, progress=40)
    assert video.leased_until == at(110)
    assert video.processing_progress == 40
    video.extend_lease(worker_id="w1", now=at(60), lease_seconds=60, progress=250)
    assert video.processing_progress == 100


@pytest.mark.parametrize(
    ("worker", "now"),
    [("w2", 10), ("w1", 61)],
    ids=["another worker", "after the lease ran out"],
)
def test_a_heartbeat_from_a_stranger_or_after_expiry_is_refused(worker: str, now: int) -> None:
    video = processing("w1", now=at(0))
    with pytest.raises(LeaseLost, match="lease_owner_mismatch_or_expired"):
        video.extend_lease(worker_id=worker, now=at(now), lease_seconds=60)


@pytest.mark.parametrize("make", [uploaded, ready, failed])
def test_a_heartbeat_needs_a_processing_video(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LeaseLost):
        make().extend_lease(worker_id="w1", now=at(1), lease_seconds=60)


def test_completion_by_the_lease_holder_makes_the_video_ready() -> None:
    video = processing("w1")
    outcome = video.complete_processing(
        worker_id="w1",
        now=at(20),
        hls_path="hls/demo/videos/7/master.m3u8",
        duration=62.0,
        thumbnail_key="hls/demo/videos/7/thumb.jpg",
        renditions=[{"name": "360p", "width": 640, "height": 360, "bandwidth": 800000}],
    )
    assert outcome == "ok"
    assert video.status == VideoStatus.READY
    assert (video.hls_path, video.duration, video.leased_by) == (
        "hls/demo/videos/7/master.m3u8",
        62.0,
        "",
    )
    assert video.processing_progress == 100


def test_completion_twice_is_idempotent_even_from_another_worker() -> None:
    video = ready()
    version = video.version
    assert video.complete_processing(worker_id="w9", now=at(30), hls_path="other") == "idempotent"
    assert video.version == version
    assert video.hls_path == "hls/demo/videos/7/master.m3u8"


def test_completion_or_failure_from_another_worker_under_a_live_lease_is_refused() -> None:
    video = processing("w1", now=at(0))
    with pytest.raises(LeaseOwnerMismatch):
        video.complete_processing(worker_id="w2", now=at(30), hls_path="x")
    with pytest.raises(LeaseOwnerMismatch):
        video.fail_processing(worker_id="w2", now=at(30), reason="x")


def test_a_late_worker_may_still_complete_once_its_lapsed_lease_was_not_taken() -> None:
    video = processing("w1", now=at(0))
    master = "hls/demo/videos/7/master.m3u8"
    assert video.complete_processing(worker_id="w2", now=at(61), hls_path=master) == "ok"


def test_the_worker_that_lost_its_lease_to_a_reclaim_cannot_complete() -> None:
    video = processing("w1", now=at(0))
    video.start_processing(worker_id="w2", now=at(61), lease_seconds=60, max_attempts=3)
    with pytest.raises(LeaseOwnerMismatch):
        video.complete_processing(worker_id="w1", now=at(62), hls_path="x")


@pytest.mark.parametrize("make", [new_video, uploaded])
def test_completion_and_failure_need_a_processing_video(make) -> None:  # type: ignore[no-untyped-def]
    video = make()
    with pytest.raises(IllegalTransition):
        video.complete_processing(worker_id="w1", now=at(1), hls_path="x")
    with pytest.raises(IllegalTransition):
        video.fail_processing(worker_id="w1", now=at(1), reason="x")


class Outputs(TypedDict):
    hls_path: str
    thumbnail_key: str


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("hls_path", "hls/demo/videos/8/master.m3u8"),  # another video's
        ("hls_path", "hls/other/videos/7/master.m3u8"),  # another tenant's
        ("hls_path", "hls/demo/videos/7/../8/master.m3u8"),
        ("hls_path", "videos/demo/10/source.mp4"),
        ("thumbnail_key", "hls/demo/videos/8/master.m3u8"),
        ("thumbnail_key", "keys/demo/videos/7/aes.key"),
    ],
)
def test_completion_names_only_the_videos_own_outputs(
    field: Literal["hls_path", "thumbnail_key"], key: str
) -> None:
    """Deleting a video removes what these name, and a thumbnail is signed for every user."""
    paths: Outputs = {"hls_path": "hls/demo/videos/7/master.m3u8", "thumbnail_key": ""}
    paths[field] = key
    video = processing("w1")
    with pytest.raises(InvalidValue, match=f"{field} must be under hls/demo/videos/7/"):
        video.complete_processing(worker_id="w1", now=at(1), **paths)
    assert video.status == VideoStatus.PROCESSING
    if field == "hls_path":  # the legacy acknowledgement too
        with pytest.raises(InvalidValue):
            processing("w1").acknowledge_completion(hls_path=key)


def test_completion_needs_an_hls_path() -> None:
    with pytest.raises(Exception, match="hls_path required"):
        processing().complete_processing(worker_id="w1", now=at(1), hls_path="")


def test_failure_records_the_reason_and_is_idempotent() -> None:
    video = processing()
    assert video.fail_processing(worker_id="w1", now=at(5), reason="x" * 3000) == "ok"
    assert video.status == VideoStatus.FAILED
    assert len(video.error_reason) == 2000
    version = video.version
    assert video.fail_processing(worker_id="w1", now=at(6), reason="again") == "idempotent"
    assert video.version == version


def test_a_ready_video_cannot_fail() -> None:
    with pytest.raises(IllegalTransition):
        ready().fail_processing(worker_id="w1", now=at(30), reason="x")


def test_legacy_acknowledgement_completes_without_a_lease_but_not_before_upload() -> None:
    for make in (uploaded, processing, failed):
        video = make()
        assert (
            video.acknowledge_completion(hls_path="hls/demo/videos/7/index.m3u8", duration=3)
            == "ok"
        )
        assert video.status == VideoStatus.READY
        assert video.acknowledge_completion(hls_path="again") == "idempotent"
    with pytest.raises(IllegalTransition):
        new_video().acknowledge_completion(hls_path="x")


@pytest.mark.parametrize("make", [failed, uploaded])
def test_retry_requeues_a_failed_or_uploaded_video_with_fresh_attempts(make) -> None:  # type: ignore[no-untyped-def]
    video = make()
    video.request_retry()
    assert video.status == VideoStatus.UPLOADED
    assert (video.attempts, video.error_reason, video.leased_by) == (0, "", "")
    assert video.is_claimable(at(0))


@pytest.mark.parametrize("make", [new_video, processing, ready])
def test_retry_is_refused_in_other_states(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CannotRetry, match="Cannot retry"):
        make().request_retry()


def test_a_policy_change_bumps_the_version_only_when_a_value_changes() -> None:
    video = new_video()
    assert not video.change_policy(allow_skip=False, max_speed=1.0)
    assert video.policy_version == 1
    assert video.change_policy(max_speed=2.0)
    assert video.policy_version == 2
    assert video.defaults == VideoDefaults(False, 2.0, True)
    with pytest.raises(InvalidValue):
        video.change_policy(max_speed=17)
    assert video.policy_version == 2


def test_editing_title_and_order_does_not_touch_the_policy_version() -> None:
    video = new_video()
    assert video.edit(title="Limits II", order=3)
    assert (video.title, video.order, video.policy_version) == ("Limits II", 3, 1)
    assert not video.edit(title="Limits II")
    with pytest.raises(Exception, match="title"):
        video.edit(title="")
    with pytest.raises(Exception, match="order"):
        video.edit(order=-1)


def test_a_deleted_video_refuses_every_command_and_cannot_be_claimed() -> None:
    video = uploaded()
    video.delete()
    assert not video.is_claimable(at(0))
    for command in (
        video.delete,
        video.request_retry,
        video.check_playable,
        lambda: video.change_policy(max_speed=2),
        lambda: video.edit(title="x"),
        lambda: video.confirm_upload(size=1, probe=PROBE),
    ):
        with pytest.raises(VideoDeleted):
            command()


def test_only_a_ready_video_is_playable() -> None:
    ready().check_playable()
    with pytest.raises(NotReady, match="video_not_ready"):
        processing().check_playable()
