"""The subtitle segments' ``X-TIMESTAMP-MAP`` names the PTS where the transcoder's rungs put
the source's first picture: if a rung's times moved, every caption would be shown off by the
difference. Every rung, copied or encoded, puts it exactly there, whatever times the source
had (``adapters/media/timeline.py``, docs/captions.md); its sound may start before, by the
copied AAC's priming, which players drop."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from academy_video.adapters.media.transcoder import PyAvTranscoder
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.domain.subtitle_playlists import MPEGTS_START
from tests.media import make_video

PRIMING_TICKS = 2_100  # 1,024 samples of AAC at 44.1 kHz: 2,090 ticks of 90 kHz


def transcode(tmp_path: Path, source: Path, rate_control: str, remux: bool) -> list[Path]:
    """Each rung's first segment, lowest rung first."""
    storage = LocalDiskStorage(tmp_path / "o", base_url="http://x", secret="s", max_bytes=10**9)
    storage.put_file(f"src/{source.name}", source, "video/mp4")
    (tmp_path / "scratch").mkdir()
    PyAvTranscoder(
        storage,
        scratch_root=tmp_path / "scratch",
        encrypt=False,
        rate_control=rate_control,
        remux=remux,
    ).transcode(video_id=1, tenant="demo", source_key=f"src/{source.name}", progress=lambda _: None)
    return sorted((tmp_path / "o").rglob("seg_00000.ts"))


def first_picture_and_sound(segment_path: Path) -> tuple[int, int]:
    with av.open(str(segment_path)) as segment:
        picture = next(segment.decode(video=0))
        sound = segment.streams.audio[0].start_time
        assert picture.pts is not None and sound is not None
        return picture.pts, sound


def shifted(source: Path, out: Path, *, video: float, audio: float, fmt: str) -> Path:
    """``source``'s packets with ``video`` and ``audio`` seconds added to their times."""
    with av.open(str(source)) as inp, av.open(str(out), "w", format=fmt) as dst:
        streams = {s.index: dst.add_stream_from_template(s) for s in inp.streams}
        for packet in inp.demux():
            if packet.dts is None or packet.pts is None:
                continue
            seconds = video if packet.stream.type == "video" else audio
            ticks = round(seconds / packet.time_base)
            packet.pts, packet.dts = packet.pts + ticks, packet.dts + ticks
            packet.stream = streams[packet.stream.index]
            dst.mux(packet)
    return out


@pytest.mark.parametrize(
    ("rate_control", "remux"), [("fixed", True), ("fixed", False), ("quality", False)]
)
def test_the_sources_first_picture_is_at_the_mapped_pts_on_every_rung(
    tmp_path: Path, rate_control: str, remux: bool
) -> None:
    source = make_video(tmp_path / "a.mp4", seconds=2.0, size=(854, 480))
    firsts = transcode(tmp_path, source, rate_control, remux)
    # 360p encoded and 480p (copied with remux, else encoded): a player switching between
    # them meets the same times.
    assert [f.parent.name for f in firsts] == ["360p", "480p"]
    for first in firsts:
        picture, sound = first_picture_and_sound(first)
        assert picture == MPEGTS_START, first
        assert MPEGTS_START - PRIMING_TICKS <= sound <= MPEGTS_START, first


@pytest.mark.parametrize("remux", [True, False])
def test_a_source_that_starts_ten_seconds_in_starts_at_the_mapped_pts(
    tmp_path: Path, remux: bool
) -> None:
    """A recorder's MPEG-TS starts anywhere: kept, every caption would be ten seconds early."""
    made = make_video(tmp_path / "a.mp4", seconds=2.0, size=(854, 480))
    source = shifted(made, tmp_path / "late.ts", video=10.0, audio=10.0, fmt="mpegts")
    for first in transcode(tmp_path, source, "fixed", remux):
        picture, sound = first_picture_and_sound(first)
        assert picture == MPEGTS_START, first
        assert MPEGTS_START - PRIMING_TICKS <= sound <= MPEGTS_START, first


def test_sound_starting_far_before_the_picture_never_makes_a_negative_time(
    tmp_path: Path,
) -> None:
    """Sound three seconds before the first picture: brought to a second before it (the lead
    a rung keeps), the picture with it; nothing before zero, which MPEG-TS would wrap."""
    made = make_video(tmp_path / "a.mp4", seconds=2.0, size=(854, 480))
    source = shifted(made, tmp_path / "lead.mp4", video=3.0, audio=0.0, fmt="mp4")
    for first in transcode(tmp_path, source, "quality", False):
        picture, sound = first_picture_and_sound(first)
        assert picture == MPEGTS_START + 2 * 90_000, first
        assert 0 < sound <= MPEGTS_START - 90_000 + PRIMING_TICKS, first


def test_a_source_trimmed_by_its_edit_list_is_encoded_from_its_cut(tmp_path: Path) -> None:
    """An MP4 trimmed without re-encoding keeps the pictures before the cut, to be decoded and
    not shown, at times before zero. Copied, the rung's times would go negative, which MPEG-TS
    wraps (a player would stall): such a source is encoded, every rung from the cut on."""
    made = make_video(tmp_path / "a.mp4", seconds=4.0, size=(854, 480), gop_seconds=2)
    source = shifted(made, tmp_path / "trimmed.mp4", video=-1.5, audio=-1.5, fmt="mp4")
    firsts = transcode(tmp_path, source, "fixed", True)
    assert [f.parent.name for f in firsts] == ["360p", "480p"]
    for first in firsts:
        picture, sound = first_picture_and_sound(first)
        assert picture == MPEGTS_START, first
        assert 0 < sound <= MPEGTS_START, first
    master = next((tmp_path / "o").rglob("master.m3u8")).read_text()
    assert 'CODECS="avc1.42c0' not in master  # no rung is the source's own packets
