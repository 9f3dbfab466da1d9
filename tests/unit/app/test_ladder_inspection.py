"""A READY video's ladder as inspected: the figures its completion stored, or, for a completion
stored before there were any, figures measured from storage; missing, another tenant's and
not-READY videos refused."""

from __future__ import annotations

import pytest

from academy_video.app.errors import NotFound
from academy_video.app.ladder_inspection import LadderInspection, NotReady
from academy_video.domain.ladder_figures import LadderRefused
from tests.unit.app.conftest import SESSION, TENANT, World

OLD = {"name": "360p", "width": 640, "height": 360, "bandwidth": 900_000}


def complete(world: World, renditions: list[dict[str, object]]) -> tuple[int, str]:
    ticket = world.app.uploads.init(
        tenant=TENANT, session_id=SESSION, title="Limits", filename="a.mp4"
    )
    video_id = ticket.video.video_id
    world.storage.put(ticket.file_key, b"video:8")
    world.app.uploads.complete(tenant=TENANT, video_id=video_id)
    assert world.app.jobs.claim_next("w1") is not None
    prefix = f"hls/{TENANT}/videos/{video_id}/"
    world.app.jobs.complete(
        video_id, "w1", hls_path=f"{prefix}master.m3u8", duration=8.0, renditions=renditions
    )
    return video_id, prefix


def store_ladder(world: World, prefix: str, segment: str = "seg_00000.ts") -> None:
    world.storage.put(
        f"{prefix}master.m3u8",
        b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\n360p/index.m3u8\n",
    )
    world.storage.put(
        f"{prefix}360p/index.m3u8",
        f"#EXTM3U\n#EXTINF:6.0,\n{segment}\n#EXTINF:2.0,\nseg_00001.ts\n#EXT-X-ENDLIST\n".encode(),
    )
    world.storage.put(f"{prefix}360p/seg_00000.ts", b"x" * 600)
    world.storage.put(f"{prefix}360p/seg_00001.ts", b"x" * 200)


def test_the_stored_figures_are_the_reports(world: World) -> None:
    stored = {**OLD, "average_bandwidth": 800, "bytes": 800, "seconds": 8.0, "segments": 2}
    video_id, _ = complete(world, [stored])
    report = LadderInspection(world.app.videos, world.storage).inspect(video_id, TENANT)
    assert not report.measured
    assert (report.status, report.duration) == ("READY", 8.0)
    assert [(r.name, r.bytes, r.segments) for r in report.rungs] == [("360p", 800, 2)]
    assert report.bytes_per_hour == 360_000


def test_a_completion_stored_before_the_figures_loads_and_is_measured_from_storage(
    world: World,
) -> None:
    video_id, prefix = complete(world, [OLD])
    store_ladder(world, prefix)
    inspection = LadderInspection(world.app.videos, world.storage)
    assert inspection.stored(video_id, TENANT) is None
    report = inspection.inspect(video_id, None)
    assert report.measured
    (rung,) = report.rungs
    assert (rung.name, rung.width, rung.height) == ("360p", 640, 360)
    assert (rung.bytes, rung.seconds, rung.segments) == (800, 8.0, 2)
    assert (rung.peak_bandwidth, rung.average_bandwidth) == (800, 800)


def test_the_old_workers_completion_without_renditions_is_measured_from_its_master(
    world: World,
) -> None:
    video_id, prefix = complete(world, [])
    store_ladder(world, prefix)
    report = LadderInspection(world.app.videos, world.storage).inspect(video_id, TENANT)
    assert report.measured and report.rungs[0].bytes == 800


def test_a_segment_missing_or_outside_the_outputs_is_refused(world: World) -> None:
    video_id, prefix = complete(world, [OLD])
    store_ladder(world, prefix, segment="../../1/360p/seg_00000.ts")
    inspection = LadderInspection(world.app.videos, world.storage)
    with pytest.raises(LadderRefused, match="outside the video's outputs"):
        inspection.inspect(video_id, TENANT)
    store_ladder(world, prefix, segment="seg_00009.ts")
    with pytest.raises(LadderRefused, match="missing"):
        inspection.inspect(video_id, TENANT)


def test_missing_another_tenants_and_unpublished_videos_are_refused(world: World) -> None:
    inspection = LadderInspection(world.app.videos, world.storage)
    with pytest.raises(NotFound):
        inspection.inspect(999, None)
    video_id, _ = complete(world, [OLD])
    with pytest.raises(NotFound):
        inspection.inspect(video_id, "other")
    ticket = world.app.uploads.init(tenant=TENANT, session_id=SESSION, title="x", filename="b.mp4")
    with pytest.raises(NotReady, match="PENDING, not READY"):
        inspection.inspect(ticket.video.video_id, TENANT)
