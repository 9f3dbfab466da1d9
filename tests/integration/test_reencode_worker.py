"""A re-encode with the real worker (PyAV, AES-128) on the embedded default: an imported video
plays its old output while queued; the worker's ladder and key replace it in one switch; a
student then plays the new, encrypted ladder through the service's signed media."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from academy_video.app.worker import ServiceJobs, Worker
from academy_video.domain.video import VideoStatus, key_object
from tests.http.conftest import Api
from tests.media import make_video
from tests.unit.domain.test_video_reencode import old_ready

from .test_media_serving import get, serving, start, uris

VIDEO = 500
OLD = f"media/hls/demo/videos/{VIDEO}/"
NEW = f"hls/demo/videos/{VIDEO}/"


def import_old_ready(api: Api, tmp_path: Path) -> None:
    source = f"videos/demo/10/{VIDEO}.mp4"
    api.app.storage.put_file(
        source, make_video(tmp_path / "v.mp4", seconds=4, size=(320, 240)), "video/mp4"
    )
    clear = tmp_path / "old.m3u8"
    clear.write_text("#EXTM3U\n#EXT-X-ENDLIST\n")
    api.app.storage.put_file(f"{OLD}master.m3u8", clear, "application/vnd.apple.mpegurl")
    api.app.videos.save(
        old_ready(
            video_id=VIDEO,
            file_key=source,
            hls_path=f"{OLD}master.m3u8",
            thumbnail_key="",
        )
    )


def stored(api: Api, key: str) -> bool:
    return api.app.storage.head(key) is not None


def test_the_worker_publishes_a_new_encrypted_ladder_and_the_video_switches(
    tmp_path: Path,
) -> None:
    with serving(tmp_path) as api:
        import_old_ready(api, tmp_path)
        assert api.app.jobs.reencode(tenant="demo", video_id=VIDEO, reason="switchover")
        before: dict[str, Any] = start(api, VIDEO)
        assert before["play_url"].split("?")[0].endswith(f"/{OLD}master.m3u8")

        worker = Worker(ServiceJobs(api.app.jobs, "w"), api.app.transcoder)
        job = worker.jobs.claim()
        assert job is not None and job.video_id == VIDEO
        assert worker.process(job, threading.Event()) == "completed"

        video = api.app.videos.get(VIDEO)
        assert (video.status, video.hls_path) == (VideoStatus.READY, f"{NEW}master.m3u8")
        assert video.thumbnail_key == f"{NEW}thumbnail.jpg"
        assert stored(api, key_object("demo", VIDEO))  # the new ladder's AES key
        assert not stored(api, f"{OLD}master.m3u8")  # the old output is gone

        session = start(api, VIDEO, enrollment=102)
        master = get(api, session["play_url"])
        assert master.status_code == 200
        [variant_url] = uris(master.text)
        variant = get(api, variant_url)
        key_line = next(line for line in variant.text.splitlines() if "#EXT-X-KEY" in line)
        key_url = key_line.split('URI="')[1].split('"')[0]
        key = get(api, key_url)
        assert key.status_code == 200 and len(key.content) == 16
        assert all(get(api, url).status_code == 200 for url in uris(variant.text))
