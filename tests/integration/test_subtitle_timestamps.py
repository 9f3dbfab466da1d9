"""The subtitle segments' ``X-TIMESTAMP-MAP`` names the PTS where the transcoder's rungs put
the source's time zero: if a rung's times moved, every caption would be shown off by the
difference. Every rung, copied or encoded, puts the source's first picture exactly there (the
muxers keep the source's own times: docs/captions.md); its sound may start before, by the
copied AAC's priming, which players drop."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from academy_video.adapters.media.transcoder import PyAvTranscoder
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.domain.subtitle_playlists import MPEGTS_START
from tests.media import make_video


@pytest.mark.parametrize(
    ("rate_control", "remux"), [("fixed", True), ("fixed", False), ("quality", False)]
)
def test_the_sources_first_picture_is_at_the_mapped_pts_on_every_rung(
    tmp_path: Path, rate_control: str, remux: bool
) -> None:
    storage = LocalDiskStorage(tmp_path / "o", base_url="http://x", secret="s", max_bytes=10**9)
    storage.put_file(
        "src/a.mp4", make_video(tmp_path / "a.mp4", seconds=2.0, size=(854, 480)), "video/mp4"
    )
    (tmp_path / "scratch").mkdir()
    PyAvTranscoder(
        storage,
        scratch_root=tmp_path / "scratch",
        encrypt=False,
        rate_control=rate_control,
        remux=remux,
    ).transcode(video_id=1, tenant="demo", source_key="src/a.mp4", progress=lambda _: None)
    # 360p encoded and 480p (copied with remux, else encoded): a player switching between
    # them meets the same times.
    firsts = sorted((tmp_path / "o").rglob("seg_00000.ts"))
    assert [f.parent.name for f in firsts] == ["360p", "480p"]
    for first in firsts:
        with av.open(str(first)) as segment:
            picture = next(segment.decode(video=0))
            sound = segment.streams.audio[0].start_time
        assert picture.pts == MPEGTS_START, first
        # The AAC priming: 1,024 samples at 44.1 kHz, 2,090 ticks of 90 kHz.
        assert MPEGTS_START - 2_100 <= sound <= MPEGTS_START, first
