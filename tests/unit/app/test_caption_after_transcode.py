"""The operator's ``ACADEMY_VIDEO_AUTO_CAPTIONS_AFTER_TRANSCODE``: off by default; when set, a
video's first READY queues an auto track in that language (not a re-encode's, not a language
that has a track), and a request that cannot be made never fails the transcode's record."""

from __future__ import annotations

import pytest

from academy_video.app.config import Settings
from tests.unit.app.conftest import SESSION, TENANT, World, make_world


def settings(**more: object) -> Settings:
    return Settings(playback_token_secret="s", progress_flush_seconds=0, **more)  # type: ignore[arg-type]


def tracks(world: World, video: int) -> list[tuple[str, str]]:
    found = world.app.captions.tracks(tenant=TENANT, video_id=video)
    return [(t.language, t.status) for t in found]


def test_off_by_default(world: World) -> None:
    assert tracks(world, world.ready_video()) == []


def test_a_first_ready_queues_auto_captions_in_the_language_set() -> None:
    world = make_world(settings(auto_captions_after_transcode="ko"))
    video = world.ready_video()
    assert tracks(world, video) == [("ko", "processing")]
    job = world.app.caption_jobs.claim_next("cw")
    assert job is not None and job.video_id == video
    assert world.app.videos.get(video).status == "READY"


def test_a_language_no_recogniser_knows_is_logged_and_the_video_still_ready(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = make_world(settings(auto_captions_after_transcode="en"))
    video = world.ready_video()
    assert world.app.videos.get(video).status == "READY"
    assert tracks(world, video) == []
    assert "not queued" in caplog.text


def test_a_re_encode_queues_nothing_again() -> None:
    world = make_world(settings(auto_captions_after_transcode="ko"))
    ticket = world.app.uploads.init(
        tenant=TENANT, session_id=SESSION, title="Old", filename="a.mp4"
    )
    video = ticket.video.video_id
    world.storage.put(ticket.file_key, b"video:100")
    world.app.uploads.complete(tenant=TENANT, video_id=video)
    for worker, path in (("w1", f"media/hls/{TENANT}/videos/{video}/master.m3u8"), ("w2", "")):
        job = world.app.jobs.claim_next(worker)
        assert job is not None
        world.app.jobs.complete(
            video, worker, hls_path=path or f"hls/{TENANT}/videos/{video}/master.m3u8"
        )
        if worker == "w1":  # READY on an old worker's output: a track queued, then removed
            assert tracks(world, video) == [("ko", "processing")]
            world.app.captions.remove(tenant=TENANT, video_id=video, language="ko")
            assert world.app.jobs.reencode(tenant=TENANT, video_id=video, reason="ladder")
    assert tracks(world, video) == []


def test_a_tag_that_is_not_one_stops_start_up() -> None:
    with pytest.raises(ValueError, match="AUTO_CAPTIONS_AFTER_TRANSCODE: language"):
        make_world(settings(auto_captions_after_transcode="not a tag"))
