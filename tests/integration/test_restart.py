"""What is stored survives a restart: a new process sees the same videos, queue and sessions."""

from pathlib import Path

from academy_video.app.config import Settings
from academy_video.bootstrap import Adapters, build
from academy_video.domain.video import VideoStatus
from tests.fakes.media import FakeMediaProbe, InMemoryObjectStorage
from tests.unit.app.conftest import SESSION, TENANT, make_world


def test_a_restarted_service_finds_the_queued_job_in_the_sqlite_store(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, playback_token_secret="k")
    storage = InMemoryObjectStorage()
    world = make_world()  # only for its roster
    adapters = Adapters(directory=world.directory, storage=storage, probe=FakeMediaProbe(storage))
    first = build(settings, adapters)
    ticket = first.uploads.init(tenant=TENANT, session_id=SESSION, title="T", filename="a.mp4")
    storage.put(ticket.file_key, b"video:30")
    first.uploads.complete(tenant=TENANT, video_id=ticket.video.video_id)
    first.close()

    # The embedded default keeps one SQLite file per Application under the data directory.
    assert sorted(p.name for p in (tmp_path / "events").iterdir()) == [
        "grants.sqlite3",
        "playbacksessions.sqlite3",
        "progresses.sqlite3",
        "videos.sqlite3",
        "webhooks.sqlite3",
    ]
    second = build(settings, adapters)
    job = second.jobs.claim_next("w1")
    assert job is not None
    assert job.video_id == ticket.video.video_id
    assert second.videos.get(job.video_id).status == VideoStatus.PROCESSING
