"""Caption tracks on the Video: each command records one event (or nothing when nothing
changes), the state follows from the events alone, and the refusals."""

from __future__ import annotations

import pytest

from academy_video.domain.caption_tracks import (
    MAX_TRACKS,
    CaptionConflict,
    CaptionNotFound,
    CaptionTracks,
)
from academy_video.domain.errors import InvalidValue
from academy_video.domain.video import Video, VideoDeleted
from tests.unit.domain.builders import new_video


def names(video: Video) -> list[str]:
    return [type(e).__name__ for e in video.collect_events()]


def with_korean() -> Video:
    video = new_video()
    video.add_caption(language="ko", label="한국어", kind="subtitles", version=1, cue_count=3)
    return video


def test_an_uploaded_track_is_a_draft_under_a_key_per_language_and_version() -> None:
    video = with_korean()
    [track] = video.captions.tracks
    assert (track.language, track.label, track.kind) == ("ko", "한국어", "subtitles")
    assert (track.source, track.status, track.default) == ("uploaded", "draft", False)
    assert track.file_key == "captions/demo/videos/7/ko/v1.vtt"
    assert (track.version, track.cue_count, video.captions.last_version) == (1, 3, 1)


def test_a_writers_token_makes_the_key_its_own() -> None:
    video = new_video()
    video.add_caption(
        language="ko", label="ko", kind="subtitles", version=1, cue_count=1, token="a1b2c3"
    )
    assert video.captions.get("ko").file_key == "captions/demo/videos/7/ko/v1-a1b2c3.vtt"


def test_publish_default_change_and_remove_each_record_one_event() -> None:
    video = with_korean()
    video.add_caption(language="en", label="English", kind="captions", version=2, cue_count=1)
    video.collect_events()
    assert video.publish_caption("ko")
    assert not video.publish_caption("ko")  # already published: nothing
    assert video.set_default_caption("ko")
    assert video.set_default_caption("en")  # one default per video
    assert [t.default for t in video.captions.tracks] == [True, False]  # en, ko
    assert video.change_caption(language="ko", label="Korean", kind="captions")
    assert not video.change_caption(language="ko", label="Korean", kind="captions")
    assert video.publish_caption("ko", published=False)
    assert video.remove_caption("en") == "captions/demo/videos/7/en/v2.vtt"
    assert names(video) == [
        "CaptionPublished",
        "CaptionDefaultSet",
        "CaptionDefaultSet",
        "CaptionChanged",
        "CaptionUnpublished",
        "CaptionRemoved",
    ]
    [ko] = video.captions.tracks
    assert (ko.label, ko.kind, ko.status, ko.default) == ("Korean", "captions", "draft", False)


def test_a_replaced_file_gets_the_next_version_and_a_published_track_stays_published() -> None:
    video = with_korean()
    video.publish_caption("ko")
    assert video.replace_caption(language="ko", version=2, cue_count=5) == (
        "captions/demo/videos/7/ko/v1.vtt"
    )
    track = video.captions.get("ko")
    assert (track.version, track.cue_count, track.status) == (2, 5, "published")
    with pytest.raises(CaptionConflict, match="concurrent_update"):
        video.replace_caption(language="ko", version=2, cue_count=5)  # v2 is taken


def test_cue_edits_are_recorded_with_the_new_version() -> None:
    video = with_korean()
    video.collect_events()
    video.edit_caption_cues(language="ko", edits=[{"index": 1, "text": "고침"}], version=2)
    [edited] = video.collect_events()
    assert isinstance(edited, Video.CaptionCuesEdited)
    assert edited.edits == [{"index": 1, "text": "고침"}]
    assert edited.replaced_key == "captions/demo/videos/7/ko/v1.vtt"
    assert video.captions.get("ko").file_key == "captions/demo/videos/7/ko/v2.vtt"


def test_an_auto_track_is_processing_then_a_draft_or_failed_and_the_video_is_untouched() -> None:
    video = new_video()
    video.confirm_upload(size=1, probe={"duration": 60.0})
    video.request_auto_caption(language="ko", label="자동", kind="subtitles")
    assert video.captions.get("ko").status == "processing"
    with pytest.raises(CaptionConflict, match="caption_not_ready"):
        video.publish_caption("ko")
    video.fail_auto_caption(language="ko", reason="  ")
    failed = video.captions.get("ko")
    assert (failed.status, failed.reason, failed.source) == ("failed", "unknown", "auto")
    assert video.status == "UPLOADED" and video.error_reason == ""
    video.request_auto_caption(language="ko", label="자동", kind="subtitles")  # another try
    video.record_auto_caption(language="ko", version=1, cue_count=12)
    done = video.captions.get("ko")
    assert (done.status, done.cue_count, done.file_key) == (
        "draft",
        12,
        "captions/demo/videos/7/ko/v1.vtt",
    )
    with pytest.raises(CaptionConflict, match="caption_not_processing"):
        video.fail_auto_caption(language="ko", reason="late")


def test_refusals() -> None:
    video = with_korean()
    with pytest.raises(CaptionConflict, match="caption_exists"):
        video.add_caption(language="ko", label="x", kind="subtitles", version=2, cue_count=1)
    with pytest.raises(CaptionConflict, match="caption_exists"):
        video.request_auto_caption(language="ko", label="x", kind="subtitles")
    with pytest.raises(InvalidValue, match="kind"):
        video.add_caption(language="en", label="x", kind="karaoke", version=2, cue_count=1)
    with pytest.raises(InvalidValue, match="label"):
        video.add_caption(language="en", label=" ", kind="subtitles", version=2, cue_count=1)
    with pytest.raises(InvalidValue, match="caption_empty"):
        video.add_caption(language="en", label="x", kind="subtitles", version=2, cue_count=0)
    with pytest.raises(InvalidValue, match="token"):
        video.add_caption(
            language="en", label="x", kind="subtitles", version=2, cue_count=1, token="../x"
        )
    with pytest.raises(CaptionNotFound):
        video.publish_caption("en")
    for n in range(2, MAX_TRACKS + 1):
        video.add_caption(language=f"x-t{n}", label="x", kind="subtitles", version=n, cue_count=1)
    with pytest.raises(CaptionConflict, match="too_many_captions"):
        video.add_caption(language="en", label="x", kind="subtitles", version=99, cue_count=1)
    video.delete()
    with pytest.raises(VideoDeleted):
        video.remove_caption("ko")


def test_the_tracks_are_rebuilt_from_the_events_alone() -> None:
    video = with_korean()
    video.publish_caption("ko")
    video.set_default_caption("ko")
    copy = None
    for event in video.collect_events():
        copy = event.mutate(copy)
    assert isinstance(copy, Video)
    assert copy.captions == video.captions
    assert isinstance(copy.captions, CaptionTracks)
