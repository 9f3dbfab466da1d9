"""The quality harness and its corpus: SSIM and PSNR of a rung against its source are FFmpeg's,
a copy scores 1 and a degraded copy less, the transcoder's own ladder is measured with its
bytes, and each kind of lecture-like source has the motion it stands for (docs/encoding.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import pytest

from tests.encoding.lecture_corpus import KINDS, render
from tests.encoding.quality import PSNR_CAP, compare, measure_ladder, percentile
from tests.encoding.transcoded import transcode_to_hls

SMALL = (320, 180)


def pictures(path: Path) -> Iterator[Any]:
    with av.open(str(path)) as container:
        yield from container.decode(video=0)


def reencoded(source: Path, target: Path, **x264: str) -> Path:
    """``source`` encoded again by x264 with ``x264`` options (a degraded copy)."""
    with av.open(str(target), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=30, options={"preset": "ultrafast", **x264})
        video.width, video.height, video.pix_fmt = SMALL[0], SMALL[1], "yuv420p"
        for frame in pictures(source):
            frame.pict_type = av.video.frame.PictureType.NONE
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return target


def unchanged_share(path: Path) -> float:
    """The share of frames whose picture is exactly the one before."""
    same, previous, total = 0, None, 0
    for frame in pictures(path):
        planes = b"".join(bytes(plane) for plane in frame.planes)
        same += planes == previous
        previous, total = planes, total + 1
    return same / (total - 1)


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render("slides", tmp_path_factory.mktemp("corpus") / "slides.mp4", seconds=3, size=SMALL)


def test_a_source_against_itself_scores_ssim_one(slides: Path) -> None:
    scores, frames = compare(pictures(slides), pictures(slides), *SMALL)
    assert frames == len(scores.ssim) == 90
    assert scores.ssim_mean == scores.ssim_p5 == 1.0
    assert scores.psnr_mean == PSNR_CAP  # identical frames: FFmpeg's inf, capped


def test_a_degraded_copy_scores_lower_and_a_worse_one_lower_still(
    slides: Path, tmp_path: Path
) -> None:
    # The instructor's slides encoded well, then starved of bits.
    good = compare(
        pictures(slides), pictures(reencoded(slides, tmp_path / "good.mp4", crf="18")), *SMALL
    )[0]
    poor = compare(
        pictures(slides), pictures(reencoded(slides, tmp_path / "poor.mp4", crf="48")), *SMALL
    )[0]
    assert 0.97 < good.ssim_mean < 1.0
    assert poor.ssim_mean < good.ssim_mean - 0.03
    assert poor.ssim_p5 <= poor.ssim_mean
    assert poor.psnr_mean < good.psnr_mean - 6


def test_a_rung_of_another_size_is_refused(slides: Path) -> None:
    with pytest.raises(ValueError, match="the rung 160x90"):
        compare(pictures(slides), pictures(slides), 160, 90)


def test_the_transcoders_ladder_is_measured_with_its_bytes(tmp_path: Path) -> None:
    # A 640x360 lecture with its speaker in the corner goes through today's ladder.
    source = render("slides_head", tmp_path / "head.mp4", seconds=5, size=(640, 360))
    master = transcode_to_hls(source, tmp_path / "work")
    [rung] = measure_ladder(master, source)
    assert (rung.name, rung.width, rung.height) == ("360p", 640, 360)
    assert rung.source_frames == len(rung.scores.ssim) == 150
    assert 0.9 < rung.scores.ssim_p5 <= rung.scores.ssim_mean < 1.0
    assert 30 < rung.scores.psnr_mean < PSNR_CAP
    files = sorted((master.parent / "360p").glob("seg_*.ts"))
    assert [s.name for s in rung.segments] == [f.name for f in files] and len(files) == 2
    assert rung.bytes == sum(f.stat().st_size for f in files)
    assert 0 < rung.video_bytes < rung.bytes  # the segments also carry audio and TS framing
    assert 0 < rung.keyframe_bytes < rung.video_bytes  # a keyframe every 2 s, P/B frames between
    assert rung.seconds == pytest.approx(5.0, abs=0.05)
    assert rung.peak_bitrate >= rung.average_bitrate


@pytest.mark.parametrize(
    ("kind", "least", "most"),
    [
        ("slides", 0.9, 1.0),  # a slide is held: nearly every frame repeats the last
        ("whiteboard", 0.2, 0.95),  # strokes between pauses
        ("screen", 0.3, 0.95),  # a few keys a second, a blinking cursor
        ("slides_head", 0.0, 0.0),  # the speaker never holds still
        ("pattern", 0.0, 0.0),
        ("grain", 0.0, 0.0),  # every frame's grain differs
    ],
)
def test_each_kind_has_the_motion_it_stands_for(
    kind: str, least: float, most: float, tmp_path: Path
) -> None:
    source = render(kind, tmp_path / f"{kind}.mp4", seconds=4, size=SMALL)
    assert least <= unchanged_share(source) <= most
    with av.open(str(source)) as container:
        video = container.streams.video[0]
        assert (video.width, video.height, video.frames) == (*SMALL, 120)
        assert container.streams.audio  # a lecture has sound


@pytest.mark.parametrize(
    ("kind", "options", "reason"),
    [
        ("film", {}, "unknown kind"),
        ("slides", {"size": (321, 180)}, "the size must be even"),
        ("slides", {"size": (8000, 8000)}, "the size must be even"),
        ("slides", {"seconds": 0}, "from 0 to 300 s"),
        ("slides", {"seconds": 10**6}, "from 0 to 300 s"),
        ("slides", {"fps": 1000}, "1 to 60 frames"),
    ],
)
def test_the_corpus_refuses_what_it_cannot_render(
    kind: str, options: dict[str, Any], reason: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=reason):
        render(kind, tmp_path / "x.mp4", **options)
    assert not (tmp_path / "x.mp4").exists()


def test_percentiles_interpolate() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([0.0, 10.0], 5) == pytest.approx(0.5)
    assert percentile([7.0], 5) == 7.0
    assert set(KINDS) == {"slides", "slides_head", "screen", "whiteboard", "pattern", "grain"}
