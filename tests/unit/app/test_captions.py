"""Caption use cases in memory: upload (both formats, Korean encodings), replace, edit, publish,
default, remove, the auto-caption step's side; files stored by version and removed with their
track or video; refusals name the file's line; the audit trail shows every event."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from academy_video.app.captions import CaptionChange, CueEdit
from academy_video.app.errors import Invalid, NotFound
from academy_video.domain.caption_cues import Cue
from academy_video.domain.caption_tracks import CaptionConflict, CaptionTracks
from academy_video.domain.errors import InvalidValue
from academy_video.domain.video import Video
from tests.caption_corpus import KOREAN, korean_srt, srt, timed, vtt
from tests.fakes.media import InMemoryObjectStorage
from tests.unit.app.conftest import TENANT, World


def upload(world: World, video: int, data: bytes, language: str = "ko", **kw: object) -> object:
    return world.app.captions.upload(
        tenant=TENANT,
        video_id=video,
        data=data,
        language=language,
        label=str(kw.pop("label", "한국어")),
        kind=str(kw.pop("kind", "subtitles")),
        **kw,  # type: ignore[arg-type]
    )


def caption_files(world: World) -> dict[str, bytes]:
    return {k: v for k, v in world.storage.objects.items() if k.startswith("captions/")}


def test_a_korean_subrip_file_becomes_a_draft_track_in_normalised_webvtt(world: World) -> None:
    video = world.ready_video()
    track = world.app.captions.upload(
        tenant=TENANT,
        video_id=video,
        data=korean_srt("cp949"),
        language="KO-kr",
        label="한국어",
        kind="subtitles",
    )
    assert (track.language, track.status, track.cue_count, track.version) == (
        "ko-KR",
        "draft",
        3,
        1,
    )
    stored = world.app.captions.file(tenant=TENANT, video_id=video, language="ko-KR")
    assert stored == vtt(timed(KOREAN)).encode("utf-8")
    [key] = caption_files(world)
    assert re.fullmatch(rf"captions/demo/videos/{video}/ko-KR/v1-[0-9a-f]{{12}}\.vtt", key)


def test_replace_edit_publish_default_and_remove(world: World) -> None:
    video = world.ready_video()
    upload(world, video, srt(timed(["one", "two"])).encode())
    with pytest.raises(CaptionConflict, match="caption_exists"):
        upload(world, video, srt(timed(["again"])).encode())
    upload(world, video, vtt(timed(KOREAN)).encode(), replace=True, label="Korean")
    captions = world.app.captions
    track = captions.change(
        tenant=TENANT,
        video_id=video,
        language="ko",
        change=CaptionChange(
            edits=(CueEdit(1, "<i>고친</i> 자막"),), default=True, published=True, kind="captions"
        ),
    )
    assert (track.version, track.status, track.default, track.kind, track.label) == (
        3,
        "published",
        True,
        "captions",
        "Korean",
    )
    assert b"<i>\xea\xb3\xa0\xec\xb9\x9c</i>" in captions.file(
        tenant=TENANT, video_id=video, language="ko"
    )
    # Only the current version is kept; removing the track removes it.
    [key] = caption_files(world)
    assert key.startswith(f"captions/demo/videos/{video}/ko/v3-")
    captions.remove(tenant=TENANT, video_id=video, language="ko")
    assert caption_files(world) == {}
    assert captions.tracks(tenant=TENANT, video_id=video) == []


def test_refusals_name_the_files_line_and_store_nothing(world: World) -> None:
    video = world.ready_video(duration=100)
    overlapping = srt([(0, 2000, "a"), (1000, 3000, "b")]).encode()
    with pytest.raises(Invalid, match=r"line 6: starts .* cues overlap"):
        upload(world, video, overlapping)
    past_end = vtt([(0, 1000, "a"), (99_000, 100_500, "b")]).encode()
    with pytest.raises(Invalid, match=r"line 6: ends .* past the video's end"):
        upload(world, video, past_end)
    html = srt([(0, 1000, '<font color="red">빨강</font>')]).encode("cp949")
    with pytest.raises(Invalid, match="line 2: markup <font"):
        upload(world, video, html)
    with pytest.raises(InvalidValue, match="language"):
        upload(world, video, srt(timed(["a"])).encode(), language="korean!")
    assert caption_files(world) == {}
    upload(world, video, srt(timed(["a", "b"])).encode())
    with pytest.raises(Invalid, match="edits: cue 5: no such cue"):
        world.app.captions.change(
            tenant=TENANT,
            video_id=video,
            language="ko",
            change=CaptionChange(edits=(CueEdit(5, "x"),)),
        )
    with pytest.raises(Invalid, match="edits: cue 0: markup <script>"):
        world.app.captions.change(
            tenant=TENANT,
            video_id=video,
            language="ko",
            change=CaptionChange(edits=(CueEdit(0, "<script>x</script>"),)),
        )


def test_another_tenants_video_is_not_found(world: World) -> None:
    video = world.ready_video()
    with pytest.raises(NotFound):
        world.app.captions.upload(
            tenant="other",
            video_id=video,
            data=srt(timed(["a"])).encode(),
            language="ko",
            label="x",
            kind="subtitles",
        )
    with pytest.raises(NotFound):
        world.app.captions.tracks(tenant="other", video_id=video)


def test_deleting_the_video_removes_its_caption_files(world: World) -> None:
    video = world.ready_video()
    upload(world, video, srt(timed(["a"])).encode())
    upload(world, video, srt(timed(["b"])).encode(), language="en", label="English")
    world.app.catalog.delete(tenant=TENANT, video_id=video)
    assert caption_files(world) == {}


def test_auto_captions_record_their_cues_or_their_failure_and_the_video_stays_ready(
    world: World,
) -> None:
    video = world.ready_video()
    captions = world.app.captions
    track = captions.request_auto(
        tenant=TENANT, video_id=video, language="ko", label="자동 자막", kind="subtitles"
    )
    assert (track.status, track.source) == ("processing", "auto")
    captions.fail_auto(video_id=video, language="ko", reason="recogniser_crashed")
    assert world.app.videos.get(video).status == "READY"
    failed = captions.track(tenant=TENANT, video_id=video, language="ko")
    assert (failed.status, failed.reason) == ("failed", "recogniser_crashed")
    captions.request_auto(
        tenant=TENANT, video_id=video, language="ko", label="자동", kind="subtitles"
    )
    with pytest.raises(Invalid, match=r"cue 1: .*overlap"):
        captions.record_auto(
            video_id=video, language="ko", cues=[Cue(0, 2000, "a"), Cue(1000, 3000, "b")]
        )
    captions.record_auto(video_id=video, language="ko", cues=[Cue(0, 2000, "안녕하세요")])
    done = captions.track(tenant=TENANT, video_id=video, language="ko")
    assert (done.status, done.cue_count) == ("draft", 1)


def test_the_audit_trail_shows_the_caption_events(world: World) -> None:
    video = world.ready_video()
    upload(world, video, srt(timed(["a"])).encode())
    world.app.captions.change(
        tenant=TENANT, video_id=video, language="ko", change=CaptionChange(published=True)
    )
    events = world.app.audit.video_events(TENANT, video)
    assert [e.type for e in events][-2:] == ["CaptionAdded", "CaptionPublished"]
    assert events[-2].data["file_key"].startswith(f"captions/demo/videos/{video}/ko/v1-")
    state = world.app.audit.video_state(TENANT, video).state
    assert state["captions"]["tracks"][0]["status"] == "published"


def test_a_video_stored_before_captions_existed_loads_with_none_and_takes_one(
    world: World,
) -> None:
    video = world.ready_video()
    records = list(world.app.videos.recorder.select_events(Video.create_id(video)))
    assert not any("Caption" in r.topic for r in records)
    loaded = world.app.videos.get(video)
    assert loaded.captions == CaptionTracks()
    upload(world, video, srt(timed(["a"])).encode())
    assert len(world.app.videos.get(video).captions.tracks) == 1


def test_two_writes_racing_for_one_version_never_share_or_remove_each_others_file(
    world: World,
) -> None:
    """An upload stores its file, and before its event is saved another upload of the video
    stores and records the same version: the first is refused (concurrent_update) and removes
    only its own file."""
    video = world.ready_video()
    captions = world.app.captions

    class Interleaving(InMemoryObjectStorage):
        raced = False

        def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
            super().put_file(key, path, content_type, move=move)
            if not self.raced:
                self.raced = True
                upload(world, video, srt(timed(["en"])).encode(), language="en", label="English")

    storage = Interleaving()
    storage.objects = world.storage.objects
    captions.storage = storage
    with pytest.raises(CaptionConflict, match="concurrent_update"):
        upload(world, video, srt(timed(["ko"])).encode())
    [winner] = captions.tracks(tenant=TENANT, video_id=video)
    assert (winner.language, winner.version) == ("en", 1)
    assert list(caption_files(world)) == [winner.file_key]
    assert captions.file(tenant=TENANT, video_id=video, language="en").endswith(b"\nen\n")
