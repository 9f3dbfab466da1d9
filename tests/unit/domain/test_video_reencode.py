"""Re-encoding a READY video: queued, leased, heart-beaten, completed or failed like any job,
while it stays READY and plays from its current output until the new one replaces it."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper

from academy_video.adapters.eventstore.msgpack_codec import MsgpackTranscoder
from academy_video.domain.errors import InvalidValue
from academy_video.domain.video import (
    CannotReencode,
    CannotRetry,
    IllegalTransition,
    LeaseLost,
    LeaseOwnerMismatch,
    Video,
    VideoDeleted,
    VideoStatus,
)
from academy_video.domain.video_storage import prefix_to_remove
from tests.unit.domain.builders import NEW, OLD, T0, at
from tests.unit.domain.builders import old_ready as old_ready  # other tests import it from here

LEASE = 60


def queued() -> Video:
    video = old_ready()
    assert video.request_reencode("switchover") is True
    return video


def claimed(worker: str = "w1", now: datetime = T0) -> Video:
    video = queued()
    assert video.start_processing(worker_id=worker, now=now, lease_seconds=LEASE, max_attempts=3)
    return video


def complete(video: Video, worker: str = "w1", now: datetime = T0 + timedelta(seconds=10)) -> str:
    return video.complete_processing(
        worker_id=worker,
        now=now,
        hls_path=f"{NEW}master.m3u8",
        duration=60.5,
        thumbnail_key=f"{NEW}thumbnail.jpg",
        renditions=[{"name": "720p", "playlist": f"{NEW}720p/index.m3u8"}],
    )


def names(video: Video) -> list[str]:
    return [type(event).__name__ for event in video.collect_events()]


def assert_plays_old_output(video: Video) -> None:
    video.check_playable()
    assert video.status == VideoStatus.READY
    assert (video.hls_path, video.thumbnail_key) == (f"{OLD}master.m3u8", f"{OLD}thumbnail.jpg")
    assert video.processing_progress == 100  # old clients see an ordinary READY video


def test_a_queued_re_encode_keeps_the_video_ready_and_playing_its_output() -> None:
    video = queued()
    assert_plays_old_output(video)
    assert video.reencoding and video.awaits_worker
    assert video.reencode_reason == "switchover"
    assert video.is_claimable(T0)
    assert names(video) == ["Imported", "ReencodeRequested"]


def test_asking_again_while_queued_or_in_work_records_nothing() -> None:
    video = queued()
    video.collect_events()
    assert video.request_reencode("again") is False
    video.start_processing(worker_id="w1", now=T0, lease_seconds=LEASE, max_attempts=3)
    video.collect_events()
    assert video.request_reencode("again") is False
    assert names(video) == []
    assert video.reencode_reason == "switchover"


def test_only_a_ready_video_is_re_encoded() -> None:
    for status in ("PENDING", "UPLOADED", "FAILED"):
        video = old_ready(status=status, hls_path="", thumbnail_key="")
        with pytest.raises(IllegalTransition, match=f"Invalid status: {status}"):
            video.request_reencode("x")
    gone = old_ready()
    gone.delete()
    with pytest.raises(VideoDeleted):
        gone.request_reencode("x")


def test_a_video_already_on_this_services_ladder_is_not_re_encoded_over_itself() -> None:
    # The worker empties hls/… before it publishes: students would lose what they play.
    video = old_ready(hls_path=f"{NEW}master.m3u8", thumbnail_key=f"{NEW}thumbnail.jpg")
    assert not video.plays_old_output
    with pytest.raises(CannotReencode) as refused:
        video.request_reencode("x")
    assert refused.value.code == "reencode_in_place"
    assert old_ready().plays_old_output


def test_a_reason_is_bounded_and_never_empty() -> None:
    video = old_ready()
    video.request_reencode("x" * 5000)
    assert len(video.reencode_reason) == 2000
    other = old_ready()
    other.request_reencode("  ")
    assert other.reencode_reason == "requested"


def test_a_claimed_re_encode_stays_ready_and_its_lease_works_as_any_job() -> None:
    video = claimed()
    assert_plays_old_output(video)
    assert (video.leased_by, video.attempts) == ("w1", 1)
    assert not video.is_claimable(at(30))  # its worker's live lease
    video.extend_lease(worker_id="w1", now=at(30), lease_seconds=LEASE, progress=40)
    assert (video.reencode_progress, video.processing_progress) == (40, 100)
    with pytest.raises(LeaseLost):
        video.extend_lease(worker_id="w2", now=at(31), lease_seconds=LEASE)
    assert video.is_claimable(at(200))  # its worker died: another takes it
    assert video.start_processing(worker_id="w2", now=at(200), lease_seconds=LEASE, max_attempts=3)
    assert (video.leased_by, video.attempts, video.status) == ("w2", 2, VideoStatus.READY)


def test_the_completion_switches_to_the_new_output_in_one_event() -> None:
    video = claimed()
    video.collect_events()
    assert complete(video) == "ok"
    assert video.status == VideoStatus.READY
    assert (video.hls_path, video.thumbnail_key) == (f"{NEW}master.m3u8", f"{NEW}thumbnail.jpg")
    assert video.duration == 60.5
    assert video.renditions[0]["name"] == "720p"
    assert video.replaced_prefix == OLD  # removed by the app once saved
    assert not video.reencoding and not video.awaits_worker and video.leased_by == ""
    [event] = video.collect_events()
    assert type(event).__name__ == "Reencoded"
    assert event.replaced_hls_path == f"{OLD}master.m3u8"  # type: ignore[attr-defined]
    assert not video.plays_old_output


def test_a_second_completion_is_idempotent_and_changes_nothing() -> None:
    video = claimed()
    complete(video)
    video.collect_events()
    assert complete(video, worker="w2", now=at(20)) == "idempotent"
    assert names(video) == []


def test_a_re_encode_is_completed_only_once_claimed_and_by_its_worker() -> None:
    with pytest.raises(IllegalTransition, match="Invalid status: READY"):
        complete(queued())
    video = claimed()
    with pytest.raises(LeaseOwnerMismatch):
        complete(video, worker="w2", now=at(10))
    assert complete(video, worker="w2", now=at(500)) == "ok"  # a lapsed lease protects nobody


def test_a_re_encode_must_publish_under_this_services_prefix() -> None:
    video = claimed()
    for hls_path in (f"{OLD}master.m3u8", "hls/demo/videos/8/master.m3u8", f"{NEW}../x"):
        with pytest.raises(InvalidValue):
            video.complete_processing(worker_id="w1", now=at(10), hls_path=hls_path)
    assert_plays_old_output(video)
    assert video.reencoding


def test_a_failed_re_encode_leaves_the_video_ready_on_its_output_and_says_why() -> None:
    video = claimed()
    video.collect_events()
    assert video.fail_processing(worker_id="w1", now=at(10), reason="decode_failed at 3.0 s") == (
        "ok"
    )
    assert_plays_old_output(video)
    assert video.error_reason == "reencode_failed: decode_failed at 3.0 s"
    assert not video.reencoding and not video.awaits_worker
    assert names(video) == ["ReencodeFailed"]
    # Asking again queues a new round and clears the old failure.
    assert video.request_reencode("again")
    assert video.error_reason == "" and video.attempts == 0


def test_a_failure_needs_the_claim_and_the_lease() -> None:
    with pytest.raises(IllegalTransition):
        queued().fail_processing(worker_id="w1", now=T0, reason="x")
    with pytest.raises(LeaseOwnerMismatch):
        claimed().fail_processing(worker_id="w2", now=at(10), reason="x")


def test_workers_that_keep_dying_fail_the_re_encode_not_the_video() -> None:
    video = queued()
    for n in range(3):
        assert video.start_processing(
            worker_id=f"w{n}", now=at(n * 100), lease_seconds=LEASE, max_attempts=3
        )
    video.collect_events()
    assert not video.start_processing(
        worker_id="w9", now=at(400), lease_seconds=LEASE, max_attempts=3
    )
    assert names(video) == ["ReencodeFailed"]
    assert_plays_old_output(video)
    assert video.error_reason == "reencode_failed: max_attempts_exceeded"


def test_other_commands_on_a_re_encoding_video() -> None:
    video = claimed()
    with pytest.raises(CannotRetry):
        video.request_retry()
    assert video.acknowledge_completion(hls_path=f"{OLD}master.m3u8") == "idempotent"
    assert not video.adopt_old_output(hls_path=f"{OLD}master.m3u8", duration=1.0, thumbnail_key="")
    assert video.change_policy(max_speed=1.5)  # a READY video's rules change as ever
    assert video.reencoding
    video.delete()
    assert not video.awaits_worker and not video.is_claimable(at(500))
    with pytest.raises(VideoDeleted):
        complete(video, now=at(500))


def test_what_a_re_encode_leaves_behind() -> None:
    def left(replaced: str, published: str = f"{NEW}master.m3u8") -> str:
        return prefix_to_remove("demo", 7, replaced=replaced, published=published)

    assert left(f"{OLD}master.m3u8") == OLD
    assert left(f"{NEW}old/master.m3u8") == ""  # where the new one is: nothing to remove
    assert left("") == ""
    assert left("media/hls/demo/videos/8/master.m3u8") == ""  # never another video's


def test_the_re_encode_events_are_stored_and_read_back() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=MsgpackTranscoder())
    video = claimed()
    video.extend_lease(worker_id="w1", now=at(5), lease_seconds=LEASE, progress=50)
    video.fail_processing(worker_id="w1", now=at(6), reason="decode_failed")
    video.request_reencode("again")
    video.start_processing(worker_id="w2", now=at(7), lease_seconds=LEASE, max_attempts=3)
    complete(video, worker="w2")
    stored = [mapper.to_stored_event(e) for e in video.collect_events()]
    topics = {f"academy_video.domain.video:Video.{n}" for n in ("Reencoded", "ReencodeFailed")}
    assert topics | {"academy_video.domain.video:Video.ReencodeRequested"} <= {
        s.topic for s in stored
    }
    copy = None
    for record in stored:
        copy = mapper.to_domain_event(record).mutate(copy)  # type: ignore[attr-defined]
    assert isinstance(copy, Video)
    assert vars(copy) == vars(video)


def test_a_video_stored_before_re_encodes_existed_loads_with_none_queued() -> None:
    # A log written before this change holds no re-encode fields: the state starts without.
    mapper: Mapper[UUID] = Mapper(transcoder=MsgpackTranscoder())
    stored = [mapper.to_stored_event(e) for e in old_ready().collect_events()]
    copy = mapper.to_domain_event(stored[0]).mutate(None)  # type: ignore[attr-defined]
    assert isinstance(copy, Video)
    assert (copy.reencode_reason, copy.replaced_prefix, copy.reencoding) == ("", "", False)
    assert copy.request_reencode("switchover")
