"""The worker inside the service (the embedded default's path) on real files: a good source ends
READY with its outputs; a source cut short ends FAILED with a readable reason and can be retried."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from academy_video.app.config import Settings
from academy_video.app.ports import ProbeResult
from academy_video.app.worker import ServiceJobs, Worker
from academy_video.bootstrap import Container, build
from academy_video.domain.video import VideoStatus
from tests.http.conftest import SESSION
from tests.media import make_video


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Container]:
    container = build(Settings(data_dir=tmp_path / "data", max_attempts=2))
    sync = container.directory_sync
    sync.put_lecture(tenant="demo", lecture_id=1, title="L")
    sync.put_session(tenant="demo", session_id=SESSION, lecture_id=1, title="S")
    yield container
    container.close()


def uploaded(app: Container, source: Path) -> int:
    ticket = app.uploads.init(tenant="demo", session_id=SESSION, title="T", filename="a.mp4")
    app.storage.put_file(ticket.file_key, source, "video/mp4")
    app.uploads.complete(tenant="demo", video_id=ticket.video.video_id)
    return ticket.video.video_id


def work_once(app: Container) -> str:
    worker = Worker(ServiceJobs(app.jobs, "w1"), app.transcoder, heartbeat_seconds=0.05)
    job = worker.jobs.claim()
    assert job is not None
    return worker.process(job, threading.Event())


def test_a_good_source_becomes_ready_with_its_outputs(app: Container, tmp_path: Path) -> None:
    video_id = uploaded(app, make_video(tmp_path / "good.mp4", seconds=3, size=(320, 240)))
    assert work_once(app) == "completed"
    video = app.videos.get(video_id)
    assert (video.status, video.processing_progress) == (VideoStatus.READY, 100)
    assert video.hls_path == f"hls/demo/videos/{video_id}/master.m3u8"
    assert video.duration == pytest.approx(3.0, abs=0.05)
    assert [r["name"] for r in video.renditions] == ["240p"]
    for key in (video.hls_path, video.thumbnail_key, video.renditions[0]["playlist"]):
        assert app.storage.head(key) is not None


class TrustingProbe:
    def probe(self, url: str) -> ProbeResult:
        return ProbeResult(ok=True, duration=6.0, codec="h264", width=320, height=240)


def test_a_source_cut_short_fails_readably_and_can_be_retried(
    app: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = make_video(tmp_path / "whole.mp4", seconds=6, size=(320, 240), faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    # The probe's tail check stops most such files; this one slipped past it. (One replaced
    # after its upload was confirmed fails as source_changed instead: test_source_check.py.)
    monkeypatch.setattr(app.uploads, "probe", TrustingProbe())
    video_id = uploaded(app, cut)

    assert work_once(app) == "failed"
    video = app.videos.get(video_id)
    assert video.status == VideoStatus.FAILED
    assert video.error_reason.startswith("source_truncated: only ")
    app.jobs.retry(tenant="demo", video_id=video_id)
    assert app.videos.get(video_id).status == VideoStatus.UPLOADED
    assert work_once(app) == "failed"  # the retry's fresh attempt fails the same way
    assert app.videos.get(video_id).error_reason.startswith("source_truncated")
    # A video whose workers keep dying is stopped by the attempts cap instead:
    # tests/unit/app/test_uploads_and_jobs.py (max_attempts_exceeded), on every backend.
