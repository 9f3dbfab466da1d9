"""Every Video event class keeps the topic the log stores it under, whatever module the rules
its commands apply live in (``video.py``'s siblings); and an event stored under each topic,
as a log written before a split holds it, reads back into the same video."""

from uuid import UUID

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from academy_video.adapters.eventstore.msgpack_codec import MsgpackTranscoder
from academy_video.domain.video import Video
from tests.unit.domain.builders import NEW, at, new_video, old_ready, through_every_command

# Literal, as the stored events name them: never generated from the class.
EVENT_TOPICS = {
    "Registered": "academy_video.domain.video:Video.Registered",
    "Imported": "academy_video.domain.video:Video.Imported",
    "UploadConfirmed": "academy_video.domain.video:Video.UploadConfirmed",
    "UploadRejected": "academy_video.domain.video:Video.UploadRejected",
    "ProcessingStarted": "academy_video.domain.video:Video.ProcessingStarted",
    "LeaseExtended": "academy_video.domain.video:Video.LeaseExtended",
    "ProcessingCompleted": "academy_video.domain.video:Video.ProcessingCompleted",
    "ProcessingFailed": "academy_video.domain.video:Video.ProcessingFailed",
    "RetryRequested": "academy_video.domain.video:Video.RetryRequested",
    "ReencodeRequested": "academy_video.domain.video:Video.ReencodeRequested",
    "Reencoded": "academy_video.domain.video:Video.Reencoded",
    "ReencodeFailed": "academy_video.domain.video:Video.ReencodeFailed",
    "PolicyChanged": "academy_video.domain.video:Video.PolicyChanged",
    "Edited": "academy_video.domain.video:Video.Edited",
    "Deleted": "academy_video.domain.video:Video.Deleted",
    "CaptionAdded": "academy_video.domain.video:Video.CaptionAdded",
    "CaptionReplaced": "academy_video.domain.video:Video.CaptionReplaced",
    "CaptionCuesEdited": "academy_video.domain.video:Video.CaptionCuesEdited",
    "CaptionChanged": "academy_video.domain.video:Video.CaptionChanged",
    "CaptionPublished": "academy_video.domain.video:Video.CaptionPublished",
    "CaptionUnpublished": "academy_video.domain.video:Video.CaptionUnpublished",
    "CaptionDefaultSet": "academy_video.domain.video:Video.CaptionDefaultSet",
    "CaptionRemoved": "academy_video.domain.video:Video.CaptionRemoved",
    "CaptionRequested": "academy_video.domain.video:Video.CaptionRequested",
    "CaptionTranscribed": "academy_video.domain.video:Video.CaptionTranscribed",
    "CaptionFailed": "academy_video.domain.video:Video.CaptionFailed",
}
BASES = {"Event", "Created"}  # eventsourcing's own, never stored


def test_every_event_class_of_the_video_keeps_its_stored_topic() -> None:
    classes = {
        name: value
        for name, value in vars(Video).items()
        if isinstance(value, type) and issubclass(value, CanMutateAggregate)
    }
    assert set(classes) - BASES == set(EVENT_TOPICS)
    assert {name: get_topic(classes[name]) for name in EVENT_TOPICS} == EVENT_TOPICS
    assert get_topic(Video) == "academy_video.domain.video:Video"


def through_every_event() -> list[Video]:
    """Videos whose histories hold every event class between them."""
    registered = through_every_command(new_video(8, file_key="videos/demo/10/y.mp4"))
    reencoded = old_ready()
    reencoded.request_reencode("switchover")
    reencoded.start_processing(worker_id="w1", now=at(0), lease_seconds=60, max_attempts=3)
    reencoded.fail_processing(worker_id="w1", now=at(10), reason="decode_failed")
    reencoded.request_reencode("again")
    reencoded.start_processing(worker_id="w1", now=at(20), lease_seconds=60, max_attempts=3)
    reencoded.complete_processing(
        worker_id="w1", now=at(30), hls_path=f"{NEW}master.m3u8", thumbnail_key=f"{NEW}t.jpg"
    )
    return [registered, reencoded, captioned()]


def captioned() -> Video:
    """A video through every caption event."""
    video = new_video(9)
    video.add_caption(language="ko", label="한국어", kind="subtitles", version=1, cue_count=2)
    video.replace_caption(language="ko", version=2, cue_count=3)
    video.edit_caption_cues(language="ko", edits=[{"index": 0, "text": "고침"}], version=3)
    video.change_caption(language="ko", label="Korean", kind="captions")
    video.publish_caption("ko")
    video.set_default_caption("ko")
    video.publish_caption("ko", published=False)
    video.request_auto_caption(language="en", label="English (auto)", kind="subtitles")
    video.fail_auto_caption(language="en", reason="no speech")
    video.request_auto_caption(language="en", label="English (auto)", kind="subtitles")
    video.record_auto_caption(language="en", version=4, cue_count=7)
    video.remove_caption("ko")
    return video


def test_an_event_stored_under_each_topic_reads_back_into_the_same_video() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=MsgpackTranscoder())
    seen: set[str] = set()
    for video in through_every_event():
        copy = None
        for event in video.collect_events():
            record = mapper.to_stored_event(event)
            name = type(event).__name__
            # As the log holds it: under the literal topic, whatever the class says today.
            stored = StoredEvent(
                record.originator_id, record.originator_version, EVENT_TOPICS[name], record.state
            )
            loaded = mapper.to_domain_event(stored)
            assert type(loaded) is type(event)
            assert isinstance(loaded, Video.Event)
            copy = loaded.mutate(copy)
            seen.add(name)
        assert isinstance(copy, Video)
        assert public(copy) == public(video)
    assert seen == set(EVENT_TOPICS)


def public(video: Video) -> dict[str, object]:
    return {k: v for k, v in vars(video).items() if not k.startswith("_")}
