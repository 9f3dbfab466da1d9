"""Today's ladder on each kind of lecture-like content: bytes and picture quality per rung.

For each kind of the corpus (``tests/encoding/lecture_corpus.py``: slides, slides with a talking
head, a screen recording, a whiteboard, and the worst cases, the test pattern and heavy grain) a
720p30 source is rendered losslessly, the service's own transcoder makes today's ladder of it
(``transcode_once.py``: the sandboxed pass and publishing, the remux path off so every rung is
encoded, x264 veryfast), and the harness (``tests/encoding/quality.py``) measures every rung
against the source scaled to its size: SSIM and PSNR per frame (mean and 5th percentile), the
segments' bytes, bytes per hour and bitrates, and the pass's wall time, CPU and peak memory.

This is the baseline a lecture-aware rate control is judged against (issue 23, docs/encoding.md):
``python tests/bench/bench_quality.py [SECONDS] [KIND ...]`` (30 s and every kind by default).
Figures are recorded as ``quality.<kind>.<rung>.<figure>`` and ``quality.<kind>.encode_*``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

from tests.bench.figures import record
from tests.encoding.lecture_corpus import KINDS, render
from tests.encoding.quality import RungQuality, measure_ladder
from tests.encoding.transcoded import master_playlist

TRANSCODE_ONCE = str(Path(__file__).parent / "transcode_once.py")
BENCH = "bench_quality"
SIZE = (1280, 720)
FPS = 30


def transcode(source: Path, workdir: Path) -> tuple[float, float, float]:
    """Today's ladder of ``source`` in a process of its own: its wall s, CPU s and peak MiB."""
    answer = subprocess.run(
        [sys.executable, TRANSCODE_ONCE, str(source), str(workdir), "encode"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wall, cpu, peak = (float(x) for x in answer)
    return wall, cpu, peak


def bench_kind(kind: str, seconds: float, work: Path) -> list[RungQuality]:
    started = time.perf_counter()
    source = render(kind, work / f"{kind}.mp4", seconds=seconds, size=SIZE, fps=FPS)
    rendered = time.perf_counter() - started
    out = work / f"{kind}-out"
    out.mkdir()
    wall, cpu, peak = transcode(source, out)
    started = time.perf_counter()
    rungs = measure_ladder(master_playlist(out, tenant="bench"), source)
    measured = time.perf_counter() - started
    print(
        f"{kind}: source {source.stat().st_size / 1e6:.0f} MB (rendered in {rendered:.0f} s), "
        f"encode {wall:.1f} s wall ({seconds / wall:.1f}x realtime), {cpu:.1f} s CPU, "
        f"{peak:.0f} MiB peak; measured in {measured:.0f} s"
    )
    for rung in rungs:
        if rung.source_frames != len(rung.scores.ssim):
            print(f"  ! {rung.name}: {len(rung.scores.ssim)} of {rung.source_frames} frames")
        s = rung.scores
        print(
            f"  {rung.name:>6} {rung.bytes / 1e6:8.2f} {rung.bytes_per_hour / 1e9:7.3f} "
            f"{rung.average_bitrate / 1e3:7.0f} {rung.peak_bitrate / 1e3:7.0f} "
            f"{rung.video_bitrate / 1e3:7.0f} {100 * rung.keyframe_share:5.0f}   "
            f"{s.ssim_mean:.4f} {s.ssim_p5:.4f} "
            f"{s.psnr_mean:6.2f} {s.psnr_p5:6.2f}"
        )
        keep(kind, rung)
    for name, value, unit in (
        ("encode_wall", wall, "s"),
        ("encode_cpu", cpu, "s"),
        ("encode_peak", peak, "MiB"),
        ("encode_realtime", seconds / wall, "x"),
    ):
        note = f"{seconds:.0f} s 720p30 {kind} source, today's ladder, x264 veryfast"
        record(f"quality.{kind}.{name}", round(value, 3), unit, bench=BENCH, note=note)
    return rungs


def keep(kind: str, rung: RungQuality) -> None:
    s = rung.scores
    note = f"today's ladder on a 720p30 {kind} source ({rung.seconds:.0f} s)"
    for name, value, unit in (
        ("ssim_mean", s.ssim_mean, "ssim"),
        ("ssim_p5", s.ssim_p5, "ssim"),
        ("psnr_mean", s.psnr_mean, "dB"),
        ("psnr_p5", s.psnr_p5, "dB"),
        ("bytes_per_hour", rung.bytes_per_hour, "B/h"),
        ("average_bitrate", rung.average_bitrate, "b/s"),
        ("peak_bitrate", rung.peak_bitrate, "b/s"),
        ("video_bitrate", rung.video_bitrate, "b/s"),
        ("keyframe_share", rung.keyframe_share, "ratio"),
    ):
        record(f"quality.{kind}.{rung.name}.{name}", round(value, 5), unit, bench=BENCH, note=note)


def main(argv: list[str]) -> int:
    seconds = float(argv[0]) if argv else 30.0
    kinds = argv[1:] or list(KINDS)
    print(
        f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}); {seconds:.0f} s 720p30 sources"
    )
    print(
        "  rung       MB    GB/h  avg kb/s peak kb/s video kb/s key%  SSIM  SSIM p5  PSNR  PSNR p5"
    )
    with tempfile.TemporaryDirectory() as d:
        for kind in kinds:
            work = Path(d) / kind
            work.mkdir()
            bench_kind(kind, seconds, work)
            # A lossless grain source is ~30 MB a second: one kind's files at a time.
            shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
