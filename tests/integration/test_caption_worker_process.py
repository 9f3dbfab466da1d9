"""A caption worker process (``academy-video captions work``) killed with SIGKILL while it holds
a track: the track stays PROCESSING, and once the lease runs out the next worker takes it up
again as a second attempt and records the real recogniser's draft, as a killed transcoding
worker's video is rescued (tests/integration/test_worker_processes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select

from academy_video.adapters.sql.caption_queue import caption_jobs
from academy_video.app.caption_worker import CaptionWorker
from academy_video.app.config import Settings
from academy_video.app.directory import DirectorySync
from academy_video.bootstrap import build
from tests.http.test_serve_process import CLI
from tests.speech import make_spoken_video

pytestmark = pytest.mark.speech
T = TypeVar("T")

TENANT = "demo"
LEASE = 3
DEADLINE = 60.0


def until(check: Callable[[], T | None], what: str) -> T:
    ended, pause = time.monotonic() + DEADLINE, threading.Event()
    while not (found := check()):
        assert time.monotonic() < ended, f"no {what} within {DEADLINE:g} s"
        pause.wait(0.1)
    return found


def test_a_killed_caption_worker_s_track_is_taken_up_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data, caption_lease_seconds=LEASE).with_local_secrets()
    container = build(settings)
    doomed: subprocess.Popen[bytes] | None = None
    try:
        sync = DirectorySync(container.directory)
        sync.put_lecture(tenant=TENANT, lecture_id=1, title="Python")
        sync.put_session(tenant=TENANT, session_id=10, lecture_id=1, title="Week 1")
        make_spoken_video(tmp_path / "lecture.mp4", ["안녕하세요. 질문이 있으면 물어보세요."], "ko")
        ticket = container.uploads.init(
            tenant=TENANT, session_id=10, title="Spoken", filename="lecture.mp4"
        )
        video = ticket.video.video_id
        container.storage.put_file(ticket.file_key, tmp_path / "lecture.mp4", "video/mp4")
        container.uploads.complete(tenant=TENANT, video_id=video)
        container.caption_jobs.request(
            tenant=TENANT, video_id=video, language="ko", label="ko", kind="subtitles"
        )

        env = {
            **os.environ,
            "ACADEMY_VIDEO_DATA_DIR": str(data),
            "ACADEMY_VIDEO_CAPTION_LEASE_SECONDS": str(LEASE),
            "ACADEMY_VIDEO_LOG_FORMAT": "text",
        }
        env.pop("ACADEMY_VIDEO_DATABASE_URL", None)
        doomed = subprocess.Popen(
            [*CLI, "captions", "work", "--id", "doomed", "--poll", "0.2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its sandboxed children die with it
        )
        assert container.engine is not None
        claimed = select(caption_jobs.c.claimed_by).where(caption_jobs.c.video_id == video)

        engine = container.engine

        def held() -> bool:
            with engine.connect() as conn:
                return conn.execute(claimed).scalar_one_or_none() == "doomed"

        until(held, "claim by the worker process")
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
        track = container.captions.track(tenant=TENANT, video_id=video, language="ko")
        assert track.status == "processing"

        rescuer = CaptionWorker(container.caption_jobs, container.speech, "rescuer")
        assert container.caption_jobs.claim_next("rescuer") is None  # its lease still holds
        job = until(lambda: container.caption_jobs.claim_next("rescuer"), "lease running out")
        assert job.ref.attempt == 2
        assert rescuer.process(job, threading.Event()) == "transcribed"
        done = container.captions.track(tenant=TENANT, video_id=video, language="ko")
        assert (done.status, done.source) == ("draft", "auto") and done.cue_count >= 1
    finally:
        if doomed is not None and doomed.poll() is None:
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait()
        container.close()
