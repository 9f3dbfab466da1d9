"""The subtitle segments' ``X-TIMESTAMP-MAP`` names the PTS the transcoder's segments start at:
if the muxer's start moves, every caption would be shown off by the difference. A copied rung
starts exactly there; an encoded one up to two frames later (its encoder's B-frames start the
decode times before zero and the muxer shifts by them; docs/captions.md: a known limit)."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from academy_video.adapters.media.transcoder import PyAvTranscoder
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.domain.subtitle_playlists import MPEGTS_START
from tests.media import make_video


@pytest.mark.parametrize(
    ("rate_control", "remux", "late"),
    [("fixed", True, 0), ("fixed", False, 2 * 3600), ("quality", False, 2 * 3600)],
)
def test_the_transcoders_first_segment_starts_at_the_mapped_pts(
    tmp_path: Path, rate_control: str, remux: bool, late: int
) -> None:
    storage = LocalDiskStorage(tmp_path / "o", base_url="http://x", secret="s", max_bytes=10**9)
    storage.put_file("src/a.mp4", make_video(tmp_path / "a.mp4", seconds=2.0), "video/mp4")
    (tmp_path / "scratch").mkdir()
    PyAvTranscoder(
        storage,
        scratch_root=tmp_path / "scratch",
        encrypt=False,
        rate_control=rate_control,
        remux=remux,
    ).transcode(video_id=1, tenant="demo", source_key="src/a.mp4", progress=lambda _: None)
    (first,) = sorted((tmp_path / "o").rglob("seg_00000.ts"))
    with av.open(str(first)) as segment:
        starts = [s.start_time for s in segment.streams if s.start_time is not None]
    # 25 fps: a frame is 3,600 ticks of 90 kHz.
    assert MPEGTS_START <= min(starts) <= MPEGTS_START + late
