"""A stored event names its class by topic (module path and qualname). The Video's rules moved
to sibling modules (``video_status``, ``video_lease``, ``video_storage``); its events did not, so
every event the log already holds still reads back."""

from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from academy_video.adapters.eventstore.msgpack_codec import MsgpackTranscoder
from academy_video.domain.video import Video
from tests.unit.domain.test_video import at, new_video

STORED_TOPICS = {
    f"academy_video.domain.video:Video.{name}"
    for name in (
        "Registered",
        "UploadRejected",
        "UploadConfirmed",
        "ProcessingStarted",
        "LeaseExtended",
        "ProcessingFailed",
        "RetryRequested",
        "ProcessingCompleted",
        "PolicyChanged",
        "Edited",
        "Deleted",
    )
}


def every_event() -> Video:
    """One video through every command that records an event."""
    video = new_video()
    video.reject_upload(reason="invalid_media:no_video_stream")
    video.confirm_upload(size=10, probe={"duration": 3.0}, source_etag="abc")
    video.start_processing(worker_id="w1", now=at(0), lease_seconds=60, max_attempts=3)
    video.extend_lease(worker_id="w1", now=at(10), lease_seconds=60, progress=40)
    video.fail_processing(worker_id="w1", now=at(20), reason="decode_failed")
    video.request_retry()
    video.start_processing(worker_id="w2", now=at(30), lease_seconds=60, max_attempts=3)
    video.complete_processing(worker_id="w2", now=at(40), hls_path="hls/demo/videos/7/master.m3u8")
    video.change_policy(max_speed=1.5)
    video.edit(title="Limits, again")
    video.delete()
    return video


def test_every_video_event_is_stored_under_the_topic_the_log_already_holds() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=MsgpackTranscoder())
    video = every_event()
    stored = [mapper.to_stored_event(event) for event in video.collect_events()]
    assert {record.topic for record in stored} == STORED_TOPICS
    assert mapper.to_domain_event(stored[0]).originator_topic == "academy_video.domain.video:Video"  # type: ignore[attr-defined]


def test_events_stored_under_those_topics_read_back_into_the_same_video() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=MsgpackTranscoder())
    video = every_event()
    # As a log written before the split holds them: each under its literal topic.
    literal = {topic.rsplit(".", 1)[1]: topic for topic in STORED_TOPICS}
    stored = [
        StoredEvent(r.originator_id, r.originator_version, literal[type(e).__name__], r.state)
        for e in video.collect_events()
        for r in [mapper.to_stored_event(e)]
    ]
    assert all(resolve_topic(record.topic) for record in stored)
    copy = None
    for record in stored:
        event = mapper.to_domain_event(record)
        assert isinstance(event, Video.Event)
        copy = event.mutate(copy)
    assert isinstance(copy, Video)
    assert public(copy) == public(video)


def public(video: Video) -> dict[str, object]:
    return {k: v for k, v in vars(video).items() if not k.startswith("_")}
