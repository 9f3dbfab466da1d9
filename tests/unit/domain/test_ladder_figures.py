"""A ladder's delivery figures: read from what a completion stored (none from one stored before
they were), measured from playlists, and every key a playlist names kept inside the video's
outputs."""

from __future__ import annotations

import math

import pytest

from academy_video.domain.ladder_figures import (
    MAX_SEGMENTS,
    LadderRefused,
    ladder_bytes_per_hour,
    master_rungs,
    measured_rung,
    media_segments,
    rung_name,
    stored_ladder,
    stored_rung,
)

PREFIX = "hls/demo/videos/7/"
STORED = {
    "name": "720p",
    "width": 1280,
    "height": 720,
    "bandwidth": 2_000_000,
    "playlist": f"{PREFIX}720p/index.m3u8",
    "average_bandwidth": 1_000_000,
    "bytes": 1_250_000,
    "seconds": 10.0,
    "segments": 3,
}


def test_stored_figures_give_bytes_per_hour() -> None:
    rung = stored_rung(STORED)
    assert rung is not None
    assert rung.bytes_per_hour == 450_000_000
    assert rung.gigabytes_per_hour == pytest.approx(0.45)
    other = stored_rung({**STORED, "name": "360p", "bytes": 250_000})
    assert other is not None
    assert ladder_bytes_per_hour([rung, other]) == 540_000_000


def test_a_rendition_stored_before_the_figures_has_none() -> None:
    old = {k: STORED[k] for k in ("name", "width", "height", "bandwidth", "playlist")}
    assert stored_rung(old) is None
    assert stored_ladder([STORED, old]) is None
    assert stored_ladder([]) is None


@pytest.mark.parametrize(
    "bad",
    [
        {"bytes": -1},
        {"bytes": True},
        {"bytes": "12"},
        {"seconds": math.nan},
        {"seconds": math.inf},
        {"seconds": -1.0},
        {"segments": 1.5},
        {"name": 7},
    ],
)
def test_a_stored_figure_of_the_wrong_kind_is_no_figure(bad: dict[str, object]) -> None:
    assert stored_rung({**STORED, **bad}) is None


def test_measured_figures_match_how_publishing_computes_them() -> None:
    rung = measured_rung("360p", 640, 360, [(4.0, 100_000), (2.0, 100_000)])
    assert (rung.peak_bandwidth, rung.average_bandwidth) == (400_000, 266_666)
    assert (rung.bytes, rung.seconds, rung.segments) == (200_000, 6.0, 2)


def test_playlists_are_read_within_the_videos_outputs() -> None:
    master = (
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900,AVERAGE-BANDWIDTH=500,RESOLUTION=640x360\n"
        "360p/index.m3u8\n"
    )
    (rung,) = master_rungs(master, f"{PREFIX}master.m3u8", PREFIX)
    assert (rung.playlist_key, rung.width, rung.height, rung.bandwidth) == (
        f"{PREFIX}360p/index.m3u8",
        640,
        360,
        900,
    )
    assert rung_name(rung, PREFIX) == "360p"
    media = "#EXTM3U\n#EXTINF:4.0,\nseg_00000.ts\n#EXTINF:2.5,\nseg_00001.ts\n#EXT-X-ENDLIST\n"
    assert media_segments(media, rung.playlist_key, PREFIX) == [
        (f"{PREFIX}360p/seg_00000.ts", 4.0),
        (f"{PREFIX}360p/seg_00001.ts", 2.5),
    ]


@pytest.mark.parametrize(
    "uri",
    [
        "../../8/360p/seg.ts",
        "../../../videos/demo/10/source.mp4",
        "/etc/passwd",
        "https://elsewhere.example/seg.ts",
        "seg.ts?x=1",
        "%2e%2e/x.ts",
        "a\\..\\..\\x.ts",
        "./seg.ts",
    ],
)
def test_a_segment_outside_the_videos_outputs_is_refused(uri: str) -> None:
    with pytest.raises(LadderRefused):
        media_segments(f"#EXTINF:4.0,\n{uri}\n", f"{PREFIX}360p/index.m3u8", PREFIX)
    with pytest.raises(LadderRefused):
        master_rungs(f"#EXT-X-STREAM-INF:BANDWIDTH=1\n{uri}\n", f"{PREFIX}master.m3u8", PREFIX)


@pytest.mark.parametrize(
    "text",
    [
        "#EXTM3U\n",  # no segment
        "seg_00000.ts\n",  # no EXTINF
        "#EXTINF:abc,\nseg_00000.ts\n",
        "#EXTINF:-1,\nseg_00000.ts\n",
        "#EXTINF:nan,\nseg_00000.ts\n",
        "#EXTINF:99999,\nseg_00000.ts\n",
        "#EXTINF:1,\nseg.ts\n" * (MAX_SEGMENTS + 1),
    ],
)
def test_a_media_playlist_that_is_not_a_ladders_is_refused(text: str) -> None:
    with pytest.raises(LadderRefused):
        media_segments(text, f"{PREFIX}360p/index.m3u8", PREFIX)


def test_a_master_naming_no_or_too_many_rungs_is_refused() -> None:
    with pytest.raises(LadderRefused, match="no rung"):
        master_rungs("#EXTM3U\n", f"{PREFIX}master.m3u8", PREFIX)
    many = "#EXT-X-STREAM-INF:BANDWIDTH=1\nr/index.m3u8\n" * 21
    with pytest.raises(LadderRefused, match="too many"):
        master_rungs(many, f"{PREFIX}master.m3u8", PREFIX)
