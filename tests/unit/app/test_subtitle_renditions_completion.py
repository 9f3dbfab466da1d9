"""A completion writes a new master (the transcoder's, with no subtitle lines): the published
caption tracks go into it at once, not at the next caption change. For a re-encode, for a first
transcode of a video whose track was published while it was processing, and for the legacy
worker's acknowledgement."""

from __future__ import annotations

from tests.unit.app.conftest import SESSION, TENANT, World
from tests.unit.app.test_reencode_jobs import NEW, OLD, VIDEO, import_old_ready
from tests.unit.app.test_subtitle_renditions import MASTER, add, outputs


def subtitle_lines(world: World, video: int) -> list[str]:
    master = outputs(world, video)["master.m3u8"]
    return [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA")]


def uploaded_video(world: World) -> int:
    """Confirmed and claimed by worker ``w1``, not yet transcoded."""
    ticket = world.app.uploads.init(
        tenant=TENANT, session_id=SESSION, title="Captioned", filename="a.mp4"
    )
    world.storage.put(ticket.file_key, b"video:10")
    world.app.uploads.complete(tenant=TENANT, video_id=ticket.video.video_id)
    return ticket.video.video_id


def test_a_re_encode_s_new_master_names_the_published_tracks(world: World) -> None:
    import_old_ready(world)  # a re-encode moves a video off the old workers' prefix
    world.storage.put(f"{OLD}master.m3u8", MASTER.encode())
    add(world, VIDEO, "ko", publish=True)
    add(world, VIDEO, "en", publish=False)  # a draft stays out
    assert 'LANGUAGE="ko"' in world.storage.objects[f"{OLD}master.m3u8"].decode()
    assert world.app.jobs.reencode(tenant=TENANT, video_id=VIDEO, reason="ladder")
    job = world.app.jobs.claim_next("w2")
    assert job is not None and job.video_id == VIDEO
    world.storage.put(f"{NEW}master.m3u8", MASTER.encode())  # the transcoder's: no subtitles
    world.app.jobs.complete(VIDEO, "w2", hls_path=f"{NEW}master.m3u8", duration=299.5)
    (line,) = subtitle_lines(world, VIDEO)
    assert 'LANGUAGE="ko"' in line
    assert any(k.startswith(f"{NEW}subtitles/ko/v") for k in world.storage.objects)
    assert not any(k.startswith(OLD) for k in world.storage.objects)  # went with the old output


def test_a_track_published_while_processing_is_in_the_first_master(world: World) -> None:
    video = uploaded_video(world)
    add(world, video, "ko", publish=True)
    assert outputs(world, video) == {}  # nothing published to add to yet
    job = world.app.jobs.claim_next("w1")
    assert job is not None and job.video_id == video
    master = f"hls/{TENANT}/videos/{video}/master.m3u8"
    world.storage.put(master, MASTER.encode())
    world.app.jobs.complete(video, "w1", hls_path=master, duration=10.0)
    (line,) = subtitle_lines(world, video)
    assert 'LANGUAGE="ko"' in line


def test_the_legacy_acknowledgement_writes_them_too(world: World) -> None:
    video = uploaded_video(world)
    add(world, video, "ko", publish=True)
    master = f"media/hls/{TENANT}/videos/{video}/master.m3u8"  # where the old workers publish
    world.storage.put(master, MASTER.encode())
    assert world.app.jobs.acknowledge_legacy(video, hls_path=master, duration=10.0) == "ok"
    text = world.storage.objects[master].decode()
    assert 'LANGUAGE="ko"' in text
    assert any(
        k.startswith(f"media/hls/{TENANT}/videos/{video}/subtitles/ko/")
        for k in world.storage.objects
    )


def test_without_published_tracks_the_master_is_left_as_written(world: World) -> None:
    video = uploaded_video(world)
    add(world, video, "ko", publish=False)
    assert world.app.jobs.claim_next("w1") is not None
    master = f"hls/{TENANT}/videos/{video}/master.m3u8"
    world.storage.put(master, MASTER.encode())
    world.app.jobs.complete(video, "w1", hls_path=master, duration=10.0)
    assert outputs(world, video)["master.m3u8"] == MASTER
