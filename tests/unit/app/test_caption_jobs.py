"""The auto-caption step in memory: a request queues a PROCESSING track, a caption worker
transcribes it (a fake recogniser) into a draft of grouped cues or a FAILED track with the
reason, the video stays READY; a worker that dies mid-way leaves its lease to run out and the
track is retried, then FAILED once the attempts are spent; a lost lease drops the answer."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from academy_video.app.caption_jobs import CaptionJob, CaptionLeaseLost
from academy_video.app.caption_worker import CaptionWorker
from academy_video.app.errors import Conflict, Invalid
from academy_video.app.ports import Transcription, TranscriptionCancelled
from academy_video.domain.caption_style import TimedWord
from academy_video.domain.caption_tracks import CaptionConflict
from tests.fakes.speech import FakeSpeechRecogniser
from tests.unit.app.conftest import SESSION, TENANT, World

WORDS = (
    TimedWord("안녕하세요.", 500, 1400),
    TimedWord("오늘은", 3000, 3500),
    TimedWord("미분을", 3600, 4100),
    TimedWord("배웁니다.", 4200, 5000),
)


def request(world: World, video: int, language: str = "ko") -> None:
    track = world.app.caption_jobs.request(
        tenant=TENANT, video_id=video, language=language, label="자동 자막", kind="subtitles"
    )
    assert (track.status, track.source) == ("processing", "auto")


def worker_for(world: World, video: int, heard: Transcription) -> CaptionWorker:
    key = world.app.videos.get(video).file_key
    return CaptionWorker(world.app.caption_jobs, FakeSpeechRecogniser({key: heard}), "cw1")


def test_a_requested_track_is_transcribed_into_a_draft_of_grouped_cues(world: World) -> None:
    video = world.ready_video()
    request(world, video)
    assert world.app.caption_jobs.progress(video) == {"ko": 0}
    worker = worker_for(world, video, Transcription(WORDS, audio_seconds=6.0))
    assert worker.run_once() == "transcribed"
    track = world.app.captions.track(tenant=TENANT, video_id=video, language="ko")
    assert (track.status, track.source, track.cue_count) == ("draft", "auto", 2)
    text = world.app.captions.file(tenant=TENANT, video_id=video, language="ko").decode()
    assert "00:00:00.500 --> " in text and "안녕하세요." in text and "배웁니다." in text
    assert world.app.videos.get(video).status == "READY"
    assert world.app.caption_jobs.progress(video) == {}  # the job is gone
    assert worker.run_once() == "idle"


@pytest.mark.parametrize(
    ("heard", "reason"),
    [
        (Transcription(reason="no_audio_stream"), "no_audio_stream"),
        (Transcription(reason="timeout"), "timeout"),
        (Transcription((), audio_seconds=5.0), "no_speech"),
        # cues past the video's end (100 s): refused by the cue rules, recorded as the reason
        (Transcription((TimedWord("늦다", 200_000, 201_000),)), "invalid_caption: cue 0"),
    ],
)
def test_a_failure_leaves_the_track_failed_with_its_reason_and_the_video_ready(
    world: World, heard: Transcription, reason: str
) -> None:
    video = world.ready_video()
    request(world, video)
    assert worker_for(world, video, heard).run_once() == "failed"
    track = world.app.captions.track(tenant=TENANT, video_id=video, language="ko")
    assert track.status == "failed" and track.reason.startswith(reason)
    assert world.app.videos.get(video).status == "READY"
    request(world, video)  # a failed auto track may be requested again
    assert world.app.captions.track(tenant=TENANT, video_id=video, language="ko").reason == ""


def test_a_recogniser_that_raises_is_a_failure_naming_only_its_class(world: World) -> None:
    class Exploding(FakeSpeechRecogniser):
        def transcribe(self, **kw: Any) -> Transcription:
            raise RuntimeError("s3://secret/presigned?token=abc")

    video = world.ready_video()
    request(world, video)
    worker = CaptionWorker(world.app.caption_jobs, Exploding(), "cw1")
    assert worker.run_once() == "failed"
    reason = world.app.captions.track(tenant=TENANT, video_id=video, language="ko").reason
    assert reason == "recogniser_error: RuntimeError"


def test_a_worker_that_dies_mid_way_is_retried_then_the_track_fails(world: World) -> None:
    video = world.ready_video()
    request(world, video)
    jobs, lease = world.app.caption_jobs, world.app.settings.caption_lease_seconds
    first = jobs.claim_next("dies-1")
    assert first is not None and first.ref.attempt == 1
    jobs.heartbeat(first, "dies-1", 40)
    assert jobs.progress(video) == {"ko": 40}  # visible while it works
    assert jobs.claim_next("other") is None  # leased: nobody else takes it
    world.clock.advance(lease + 1)  # the worker died: its lease runs out
    second = jobs.claim_next("dies-2")
    assert second is not None and second.ref.attempt == 2
    with pytest.raises(CaptionLeaseLost):  # the first one, come back, is told it lost it
        jobs.heartbeat(first, "dies-1", 50)
    for attempt in range(3, world.app.settings.caption_max_attempts + 1):
        world.clock.advance(lease + 1)
        again = jobs.claim_next(f"dies-{attempt}")
        assert again is not None and again.ref.attempt == attempt
    world.clock.advance(lease + 1)
    assert jobs.claim_next("last") is None  # attempts spent: failed on the way, not handed out
    track = world.app.captions.track(tenant=TENANT, video_id=video, language="ko")
    assert track.status == "failed" and track.reason.startswith("crashed")
    assert world.app.videos.get(video).status == "READY"


def test_a_crash_then_a_retry_that_succeeds(world: World) -> None:
    video = world.ready_video()
    request(world, video)
    assert world.app.caption_jobs.claim_next("dies") is not None
    world.clock.advance(world.app.settings.caption_lease_seconds + 1)
    worker = worker_for(world, video, Transcription(WORDS, audio_seconds=6.0))
    assert worker.run_once() == "transcribed"


def test_a_lost_lease_drops_what_was_heard(world: World) -> None:
    video = world.ready_video()
    request(world, video)
    key = world.app.videos.get(video).file_key
    jobs = world.app.caption_jobs

    class Slow(FakeSpeechRecogniser):
        def transcribe(self, **kw: Any) -> Transcription:
            world.clock.advance(world.app.settings.caption_lease_seconds + 1)
            assert jobs.claim_next("thief") is not None  # another worker takes it meanwhile
            beaten.wait(5)
            cancelled = kw["cancelled"]
            assert callable(cancelled) and cancelled()
            raise TranscriptionCancelled()

    beaten = threading.Event()
    worker = CaptionWorker(jobs, Slow({key: Transcription(WORDS)}), "cw1", heartbeat_seconds=0.01)
    original = jobs.heartbeat

    def heartbeat(job: CaptionJob, worker_id: str, progress: int) -> None:
        try:
            original(job, worker_id, progress)
        finally:
            beaten.set()

    jobs.heartbeat = heartbeat  # type: ignore[method-assign]
    assert worker.run_once() == "dropped"
    track = world.app.captions.track(tenant=TENANT, video_id=video, language="ko")
    assert track.status == "processing"  # the thief's to finish


def test_stop_cancels_and_records_nothing(world: World) -> None:
    video = world.ready_video()
    request(world, video)
    stop = threading.Event()
    stop.set()
    worker = worker_for(world, video, Transcription(WORDS))
    assert worker.run_once(stop) == "stopped"
    world.clock.advance(world.app.settings.caption_lease_seconds + 1)
    assert worker.run_once() == "transcribed"  # taken up again once the lease ran out


def test_requests_are_checked(world: World) -> None:
    video = world.ready_video()
    with pytest.raises(Invalid, match="no recogniser for en"):
        request(world, video, "en")
    request(world, video, "ko-KR")
    with pytest.raises(CaptionConflict):
        request(world, video, "ko-KR")
    ticket = world.app.uploads.init(
        tenant=TENANT, session_id=SESSION, title="Pending", filename="b.mp4"
    )
    with pytest.raises(Conflict, match="invalid_status"):
        request(world, ticket.video.video_id)


def test_a_deleted_video_or_removed_track_leaves_the_queue(world: World) -> None:
    video = world.ready_video()
    request(world, video)
    world.app.captions.remove(tenant=TENANT, video_id=video, language="ko")
    assert world.app.caption_jobs.claim_next("w") is None
    other = world.ready_video()
    request(world, other)
    job = world.app.caption_jobs.claim_next("w")
    assert job is not None
    world.app.catalog.delete(tenant=TENANT, video_id=other)
    assert world.app.caption_jobs.record(job, Transcription(WORDS)) == "dropped"
    assert world.app.caption_jobs.claim_next("w") is None


def test_a_file_version_taken_meanwhile_is_stored_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = world.ready_video()
    request(world, video)
    captions = world.app.captions
    real, calls = captions.record_auto, []

    def racing(**kw: Any) -> None:
        calls.append(kw)
        if len(calls) == 1:  # another language's upload took the version first
            captions.upload(
                tenant=TENANT,
                video_id=video,
                data=b"1\n00:00:01,000 --> 00:00:02,000\nhello\n",
                language="en",
                label="English",
                kind="subtitles",
            )
            raise CaptionConflict("concurrent_update")
        real(**kw)

    monkeypatch.setattr(captions, "record_auto", racing)
    assert worker_for(world, video, Transcription(WORDS)).run_once() == "transcribed"
    assert len(calls) == 2
    assert world.app.captions.track(tenant=TENANT, video_id=video, language="ko").version == 2
