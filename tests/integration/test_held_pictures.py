"""A ``quality`` rung of a source with irregular times (docs/encoding.md, "Repeated pictures left
out"): the pass stamps pictures on the rung's frame grid and holds each until the next, and the
playlist still tells the truth: each segment at most its target, the durations adding up to the
source's, no picture held past half a second, whatever gaps, drift or jitter the source has."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import pytest

from academy_video.adapters.media.encode_pass import transcode_in_child
from academy_video.adapters.media.sandbox import Refusal
from tests.hostile_media import header_says_one_tick
from tests.media import pass_request

SIZE = (160, 90)  # one rung, at the source's own size
TIME_BASE = Fraction(1, 90_000)


def timed_source(path: Path, times: list[Fraction], *, rate: int = 30, still: bool = False) -> Path:
    """An MKV (or MP4 or MPEG-TS, by ``path``'s suffix) whose picture *i* is shown at
    ``times[i]`` seconds exactly: a grey level that changes every picture (or never, ``still``)."""
    container = {".mp4": "mp4", ".ts": "mpegts"}.get(path.suffix, "matroska")
    with av.open(str(path), "w", format=container) as out:
        video = out.add_stream("libx264", rate=rate, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        video.codec_context.time_base = TIME_BASE
        for i, at in enumerate(times):
            frame = av.VideoFrame(SIZE[0], SIZE[1], "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(0 if still else i * 7) % 256]) * plane.buffer_size)
            frame.pts, frame.time_base = round(at / TIME_BASE), TIME_BASE
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return path


def transcoded(source: Path, scratch: Path) -> tuple[list[float], list[float]]:
    """The quality rung of ``source``: its ``#EXTINF`` durations and its pictures' times."""
    scratch.mkdir()
    request = pass_request(source, scratch, rate_control="quality")
    [rendition] = transcode_in_child(request, lambda *_: None)["renditions"]
    playlist = scratch / rendition["name"] / "index.m3u8"
    lines = playlist.read_text().splitlines()
    assert "#EXT-X-TARGETDURATION:4" in lines
    durations = [float(x[8:].split(",")[0]) for x in lines if x.startswith("#EXTINF:")]
    times: list[float] = []
    for name in (x for x in lines if x.endswith(".ts")):
        with av.open(str(playlist.parent / name), format="mpegts") as container:
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.pts is not None and stream.time_base is not None:
                    times.append(float(packet.pts * stream.time_base))
    return durations, sorted(times)


def steady(count: int, rate: Fraction, start: Fraction = Fraction(0)) -> list[Fraction]:
    return [start + i / rate for i in range(count)]


CASES: dict[str, tuple[list[Fraction], Fraction]] = {
    # 29.97: the keyframe forced on the first picture at or past each 4 s (one a hair early
    # was passed over by the muxer and the segment ran 8 s).
    "ntsc": (steady(720, Fraction(30000, 1001)), 720 * Fraction(1001, 30000)),
    # A screen recorder's gaps: after the first picture, right after a keyframe, mid-segment.
    "gap_after_first": ([Fraction(0), *steady(240, Fraction(30), Fraction(2))], Fraction(10)),
    "gap_after_keyframe": (
        [*steady(240, Fraction(30)), Fraction(8), Fraction(19, 2), Fraction(299, 30)],
        Fraction(10),
    ),
    "gap_mid_segment": (
        steady(150, Fraction(30)) + steady(60, Fraction(30), Fraction(8)),
        Fraction(10),
    ),
    # Nothing for longer than a segment: the last picture is sent again as each one's keyframe.
    "gap_over_a_segment": (
        steady(30, Fraction(30)) + steady(60, Fraction(30), Fraction(10)),
        Fraction(12),
    ),
    # Half a frame off the grid: rounding must not give two pictures the same time.
    "half_tick": (steady(300, Fraction(30), Fraction(10) + Fraction(1, 60)), Fraction(10)),
}


@pytest.mark.parametrize("still", [False, True], ids=["moving", "still"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_segments_and_durations_stay_true_whatever_the_source_times(
    case: str, still: bool, tmp_path: Path
) -> None:
    times, seconds = CASES[case]
    source = timed_source(tmp_path / "source.mkv", times, still=still)
    durations, pictures = transcoded(source, tmp_path / "scratch")
    assert max(durations) <= 4.004 + 1e-6, durations
    assert sum(durations) == pytest.approx(float(seconds), abs=0.04), durations
    assert max(b - a for a, b in pairwise(pictures)) <= 0.5 + 1e-3


def test_a_source_faster_than_its_declared_rate_leaves_out_what_the_rung_cannot_show(
    tmp_path: Path,
) -> None:
    # Declared 15 pictures a second, 30 real (a 60 fps burst in a 30 fps file is the same):
    # two pictures would share one tick of the rung's rate, so the later one is left out.
    source = timed_source(tmp_path / "source.mkv", steady(300, Fraction(30)), rate=15)
    durations, pictures = transcoded(source, tmp_path / "scratch")
    assert sum(durations) == pytest.approx(10.0, abs=0.1)
    assert len(pictures) == len(set(pictures)) <= 10 * 15 + 1


@pytest.mark.parametrize("rate_control", ["fixed", "quality"])
def test_pictures_past_the_longest_video_are_too_long_whatever_the_header_said(
    rate_control: str, tmp_path: Path
) -> None:
    # A second of pictures, then one ten minutes on; the headers say one tick. Held, that last
    # picture would be sent again every half second for ten minutes.
    times = [*steady(30, Fraction(30)), Fraction(600)]
    source = header_says_one_tick(timed_source(tmp_path / "source.mp4", times))
    (tmp_path / "scratch").mkdir()
    request = pass_request(source, tmp_path / "scratch", rate_control=rate_control, max_seconds=30)
    with pytest.raises(Refusal, match="too_long"):
        transcode_in_child(request, lambda *_: None)


def test_pictures_far_past_the_declared_length_are_refused(tmp_path: Path) -> None:
    times = [*steady(30, Fraction(30)), Fraction(600)]
    source = header_says_one_tick(timed_source(tmp_path / "source.mp4", times))
    (tmp_path / "scratch").mkdir()
    request = pass_request(source, tmp_path / "scratch", rate_control="quality")
    with pytest.raises(Refusal, match="timestamps_past_duration"):
        transcode_in_child(request, lambda *_: None)


def test_two_recordings_joined_end_to_end_are_refused_not_cut_short(tmp_path: Path) -> None:
    # The second recording's times start again at 0: leaving its pictures out as repeats of
    # past ticks would publish the first half alone.
    first = timed_source(tmp_path / "first.ts", steady(180, Fraction(30)))
    second = timed_source(tmp_path / "second.ts", steady(180, Fraction(30)))
    source = tmp_path / "source.ts"
    source.write_bytes(first.read_bytes() + second.read_bytes())  # `cat first.ts second.ts`
    (tmp_path / "scratch").mkdir()
    request = pass_request(source, tmp_path / "scratch", rate_control="quality")
    with pytest.raises(Refusal, match="timestamps_go_backwards"):
        transcode_in_child(request, lambda *_: None)
