"""A stored event names its class by topic (module path and qualname). The Video's rules moved
to sibling modules (``video_status``, ``video_lease``, ``video_storage``); its events did not, so
every event the log already holds still reads back."""

from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from academy_video.adapters.eventstore.msgpack_codec import MsgpackTranscoder
from academy_video.domain.video import Video
from tests.unit.domain.builders import new_video, through_every_command

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
    return through_every_command(new_video())


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
