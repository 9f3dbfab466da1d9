"""The subtitle segments' ``X-TIMESTAMP-MAP`` names the PTS where the transcoder's rungs put
the source's first picture: if a rung's times moved, every caption would be shown off by the
difference. Every rung, copied or encoded, puts it exactly there, whatever times the source
had (``adapters/media/timeline.py``, docs/captions.md); its sound may start before, by the
copied AAC's priming, which players drop."""

from __future__ import annotations

from fractions import Fraction
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


def test_sound_before_the_picture_is_the_zero(tmp_path: Path) -> None:
    """A screen recorder's sound three seconds before its first picture: the captions (an
    author's, the recogniser's) count from the sound, and so does every rung."""
    made = make_video(tmp_path / "a.mp4", seconds=2.0, size=(854, 480))
    source = shifted(made, tmp_path / "lead.mp4", video=3.0, audio=0.0, fmt="mp4")
    for first in transcode(tmp_path, source, "quality", False):
        picture, sound = first_picture_and_sound(first)
        assert picture == MPEGTS_START + 3 * 90_000, first
        assert MPEGTS_START - PRIMING_TICKS <= sound <= MPEGTS_START, first


def test_a_recorders_mp2_sound_starting_ten_seconds_in_keeps_its_time(tmp_path: Path) -> None:
    """Sound that is not AAC is encoded, its samples counted from zero: moved to where the
    source's sound starts, with the picture, never before the muxer's start (MPEG-TS wraps)."""
    source = tmp_path / "rec.ts"
    with av.open(str(source), "w", format="mpegts") as out:
        video = out.add_stream("libx264", rate=25, options={"preset": "ultrafast", "g": "50"})
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        audio = out.add_stream("mp2", rate=48_000, layout="stereo")
        with av.open("testsrc2=size=320x240:rate=25:duration=3", format="lavfi") as pictures:
            for index, frame in enumerate(pictures.decode(video=0)):
                frame.pts, frame.time_base = 250 + index, Fraction(1, 25)
                out.mux(video.encode(frame))
        out.mux(video.encode(None))
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=48_000)
        at = 480_000
        with av.open("sine=sample_rate=48000:duration=3", format="lavfi") as tone:
            for decoded in tone.decode(audio=0):
                for samples in resampler.resample(decoded):
                    samples.pts, samples.time_base = at, Fraction(1, 48_000)
                    at += samples.samples
                    out.mux(audio.encode(samples))
        out.mux(audio.encode(None))
    for first in transcode(tmp_path, source, "quality", False):
        picture, sound = first_picture_and_sound(first)
        assert picture == MPEGTS_START, first
        assert abs(sound - MPEGTS_START) <= 3_000, first  # within an MP2 frame's 24 ms


@pytest.mark.parametrize("remux", [True, False])
def test_a_recording_whose_clock_wraps_is_whole_and_starts_at_the_mapped_pts(
    tmp_path: Path, remux: bool
) -> None:
    """An MPEG-TS recorder's 33-bit clock wraps every 26.5 hours: FFmpeg puts the times before
    the wrap below zero. All 8 s are the video (it was refused as truncated: its end time, 5 s,
    was taken for its length) and its first picture is the captions' zero."""
    made = make_video(tmp_path / "a.mp4", seconds=8.0, size=(854, 480), gop_seconds=2)
    before_wrap = 2**33 / 90_000 - 3.0
    source = shifted(made, tmp_path / "wrap.ts", video=before_wrap, audio=before_wrap, fmt="mpegts")
    for first in transcode(tmp_path, source, "fixed", remux):
        picture, sound = first_picture_and_sound(first)
        # Within a millisecond: the shift is a float of seconds, and these are a day's worth.
        assert picture == pytest.approx(MPEGTS_START, abs=90), first
        assert MPEGTS_START - PRIMING_TICKS <= sound <= picture, first
    playlist = next((tmp_path / "o").rglob("480p/index.m3u8")).read_text()
    seconds = sum(
        float(line[8:].rstrip(",")) for line in playlist.splitlines() if line.startswith("#EXTINF:")
    )
    assert seconds == pytest.approx(8.0, abs=0.1)


@pytest.mark.parametrize("rate_control", ["fixed", "quality"])
def test_a_one_picture_a_second_slideshow_has_no_decode_time_before_zero(
    tmp_path: Path, rate_control: str
) -> None:
    """x264's B-frames decode two pictures ahead: at 1 fps, two seconds before the first
    picture, past the muxer's 1.4 s start (MPEG-TS would wrap it)."""
    source = make_video(tmp_path / "a.mp4", seconds=6.0, size=(320, 240), rate=1, gop_seconds=2)
    for first in transcode(tmp_path, source, rate_control, False):
        with av.open(str(first)) as segment:
            decode_times = [p.dts for p in segment.demux(video=0) if p.dts is not None]
        assert decode_times and min(decode_times) >= 0, first
        assert max(decode_times) < 2**32, first  # not wrapped round from below zero


@pytest.mark.parametrize("rate_control", ["fixed", "quality"])
def test_a_source_decoded_two_seconds_ahead_is_encoded_not_copied(
    tmp_path: Path, rate_control: str
) -> None:
    """B-frames at a picture every two seconds: the source's first packet is decoded four
    seconds before its first picture. Copied (remux), the rung's decode times went below the
    muxer's start and wrapped; encoded, they do not (no B-frames at that rate)."""
    source = tmp_path / "slow.mp4"
    with av.open(str(source), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=Fraction(1, 2), options={"g": "3", "bf": "3"})
        video.width, video.height, video.pix_fmt = 854, 480, "yuv420p"
        with av.open("testsrc2=size=854x480:rate=1/2:duration=16", format="lavfi") as pictures:
            for frame in pictures.decode(video=0):
                frame.pict_type = av.video.frame.PictureType.NONE
                out.mux(video.encode(frame))
        out.mux(video.encode(None))
    for first in transcode(tmp_path, source, rate_control, True):
        with av.open(str(first)) as segment:
            decode_times = [p.dts for p in segment.demux(video=0) if p.dts is not None]
        assert decode_times and min(decode_times) >= 0, first
        assert max(decode_times) < 2**32, first


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
