"""Auto-captions end to end on the embedded default (SQLite, local disk, the real sandboxed
transcoder and Vosk recogniser): a lecture espeak-ng says in Korean is uploaded, ``serve``'s
workers transcode it and, once staff ask, transcribe it into a draft track whose cues cover the
speech; the video stays READY throughout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from academy_video.adapters.cli.runtime import start_beside
from academy_video.app.config import Settings
from academy_video.app.directory import DirectorySync
from academy_video.bootstrap import build
from tests.speech import make_spoken_video

pytestmark = pytest.mark.speech

TENANT, LECTURE, SESSION = "demo", 1, 10
SENTENCES = ["안녕하세요. 오늘은 파이썬을 배워 보겠습니다.", "질문이 있으면 물어보세요."]
DEADLINE = 120.0  # seconds for each step on a busy shared machine (the test takes about 30 s)


def millis(stamp: str) -> int:
    hours, minutes, seconds = stamp.strip().split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def wait_for(check: Callable[[], bool], what: str) -> None:
    ended = time.monotonic() + DEADLINE
    pause = threading.Event()
    while not check():
        assert time.monotonic() < ended, f"no {what} within {DEADLINE:g} s"
        pause.wait(0.25)


def test_a_spoken_lecture_becomes_a_draft_track_of_timed_cues(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", progress_flush_seconds=0).with_local_secrets()
    container = build(settings)
    steps = start_beside(container)
    try:
        sync = DirectorySync(container.directory)
        sync.put_lecture(tenant=TENANT, lecture_id=LECTURE, title="Python")
        sync.put_session(tenant=TENANT, session_id=SESSION, lecture_id=LECTURE, title="Week 1")
        spoken = make_spoken_video(tmp_path / "lecture.mp4", SENTENCES, "ko")
        ticket = container.uploads.init(
            tenant=TENANT, session_id=SESSION, title="Python", filename="lecture.mp4"
        )
        video = ticket.video.video_id
        container.storage.put_file(ticket.file_key, tmp_path / "lecture.mp4", "video/mp4")
        container.uploads.complete(tenant=TENANT, video_id=video)
        wait_for(lambda: container.videos.get(video).status == "READY", "transcode")

        track = container.caption_jobs.request(
            tenant=TENANT, video_id=video, language="ko", label="자동", kind="subtitles"
        )
        assert track.status == "processing"
        wait_for(
            lambda: (
                container.captions.track(tenant=TENANT, video_id=video, language="ko").status
                != "processing"
            ),
            "transcription",
        )
        done = container.captions.track(tenant=TENANT, video_id=video, language="ko")
        assert (done.status, done.source, done.reason) == ("draft", "auto", "")
        assert done.cue_count >= len(SENTENCES)
        assert container.videos.get(video).status == "READY"
        vtt = container.captions.file(tenant=TENANT, video_id=video, language="ko").decode()
        times = [line.split(" --> ") for line in vtt.splitlines() if " --> " in line]
        first, last = millis(times[0][0]), millis(times[-1][1])
        # The cues cover the speech, from its first sentence to its last.
        assert abs(first / 1000 - spoken[0].start) < 0.5
        assert abs(last / 1000 - spoken[-1].end) < 1.5
    finally:
        for step in steps:
            step()
