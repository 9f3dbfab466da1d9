"""One rung of the ladder encoded in variants, for measurements the service does not build
(docs/encoding.md, "Tuning x264" and "Not encoding repeated pictures"). Not in ``make bench``.

``python tests/bench/rung_variants.py options KIND HEIGHT NAME:OPTION=VALUE,... ...``: the rung of
``HEIGHT`` of a 20 s 720p30 ``KIND`` source under ``quality`` with x264 options added (``fixed:``
encodes the fixed rung instead), one variant per pass, measured by the quality harness: bytes,
video bytes, SSIM mean and p5, PSNR, and the pass's CPU seconds.

``python tests/bench/rung_variants.py repeats KIND ...``: both rungs under ``quality`` with and
without the pictures identical to the last one encoded (keyframes forced every segment of source
time, each picture lasting until the next one encoded): bytes, video bytes, pictures encoded, CPU,
and each segment's ``#EXTINF``.

Encodes with the service's own rendition code (``renditions.open_output``), in this process.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.filter

from academy_video.adapters.media.ladder import Rung, plan
from academy_video.adapters.media.remux import mux_to
from academy_video.adapters.media.renditions import Encoding, Output, encode_scaled, open_output
from tests.encoding.lecture_corpus import render
from tests.encoding.quality import measure_rung, read_segments

SIZE = (1280, 720)
FPS = 30
SECONDS = 20
SEGMENT_SECONDS = 4


@dataclass(frozen=True)
class VariantRung(Rung):
    """A rung whose encoder gets ``extra`` x264 options on top of ``choice``'s."""

    extra: tuple[tuple[str, str], ...] = ()
    choice: str = "quality"

    def rate_options(self, rate_control: str) -> tuple[int, dict[str, str]]:
        bit_rate, options = super().rate_options(self.choice)
        return bit_rate, {**options, **dict(self.extra)}


def variant(height: int, spec: str) -> tuple[str, VariantRung]:
    """``NAME:OPTION=VALUE,...`` as a rung (``fixed:`` is the fixed rung)."""
    name, _, text = spec.partition(":")
    extra = tuple((k, v) for k, _, v in (kv.partition("=") for kv in text.split(",") if kv))
    [rung] = [r for r in plan(*SIZE, FPS) if r.height == height]
    choice = "fixed" if name == "fixed" else "quality"
    fields = (rung.name, rung.width, rung.height, rung.video_bitrate, rung.audio_bitrate)
    return name, VariantRung(*fields, extra=extra, choice=choice)


def encode(
    source: Path, rung: Rung, out: Path, choice: str, *, drop_repeats: bool = False
) -> tuple[float, int]:
    """``rung`` of ``source`` into ``out`` (playlist and segments): the pass's CPU seconds and
    the pictures encoded."""
    gop = SEGMENT_SECONDS if choice == "quality" else 2
    encoding = Encoding("veryfast", SEGMENT_SECONDS, gop, None, choice)
    cpu = time.process_time()
    with av.open(str(source)) as container:
        in_v, in_a = container.streams.video[0], container.streams.audio[0]
        output = open_output(
            out, rung, in_v, in_a, FPS, encoding, copy=False, follow_source_keyframes=False
        )
        drop = RepeatDrop(output) if drop_repeats else None
        drain: Callable[[], None] = drop or (lambda: encode_scaled(output, False))
        in_v.thread_type = "AUTO"
        for packet in container.demux(in_v, in_a):
            if packet.stream is in_v:
                for frame in packet.decode():
                    output.graph.push(frame)
                    drain()
            elif packet.dts is not None:
                mux_to(packet, [(output, output.audio)])
        output.graph.push(None)
        drain()
        if drop is not None:
            drop.flush()
        else:
            output.container.mux(output.video.encode(None))
        output.container.close()
    return time.process_time() - cpu, drop.pictures if drop else SECONDS * FPS


class RepeatDrop:
    """Drains a rung's scale graph, not encoding a picture identical to the last one encoded; a
    keyframe every segment of source time. Each picture is held until the next one to encode
    arrives, so that its duration spans the pictures dropped after it (the hls muxer times a
    segment by its packets' durations)."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.last: bytes | None = None
        self.held: tuple[Any, bool] | None = None
        self.end = 0  # the end of the last picture seen, in the pictures' time base
        self.next_keyframe = 0.0
        self.pictures = 0
        self.seconds: dict[int, float] = {}  # each sent picture's duration, by its time in ms

    def __call__(self) -> None:
        while True:
            try:
                picture = self.output.graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            self.end = picture.pts + round(1 / (FPS * picture.time_base))
            keyframe = float(picture.pts * picture.time_base) >= self.next_keyframe - 1e-6
            planes = b"".join(bytes(plane) for plane in picture.planes)
            if not keyframe and planes == self.last:
                continue
            self.last = planes
            if keyframe:
                self.next_keyframe += SEGMENT_SECONDS
            self.send_held(until=picture.pts)
            self.held = (picture, keyframe)

    def finish(self) -> None:
        self.send_held(until=self.end)

    def send_held(self, until: int) -> None:
        if self.held is None:
            return
        picture, keyframe = self.held
        self.seconds[round(1000 * picture.pts * picture.time_base)] = float(
            (until - picture.pts) * picture.time_base
        )
        picture.pict_type = (
            av.video.frame.PictureType.I if keyframe else av.video.frame.PictureType.NONE
        )
        self.pictures += 1
        for packet in self.output.video.encode(picture):
            self.mux(packet)

    def flush(self) -> None:
        self.finish()
        for packet in self.output.video.encode(None):
            self.mux(packet)

    def mux(self, packet: Any) -> None:
        # libx264's packets each last one frame whatever the frame said: set from the picture's.
        seconds = self.seconds.pop(round(1000 * packet.pts * packet.time_base))
        packet.duration = round(seconds / packet.time_base)
        self.output.container.mux(packet)


def video_bytes(playlist: Path) -> int:
    total = 0
    for segment in read_segments(playlist):
        with av.open(str(playlist.parent / segment.name)) as container:
            total += sum(p.size for p in container.demux(container.streams.video[0]))
    return total


def options(work: Path, kind: str, height: int, specs: list[str]) -> None:
    source = render(kind, work / f"{kind}.mp4", seconds=SECONDS, size=SIZE, fps=FPS)
    for spec in specs:
        name, rung = variant(height, spec)
        out = work / name / rung.name
        out.parent.mkdir()
        cpu, _ = encode(source, rung, out, rung.choice)
        measured = measure_rung(out / "index.m3u8", source, rung.width, rung.height)
        s = measured.scores
        print(
            f"{kind} {rung.name} {name:>24} bytes {measured.bytes:9d} video "
            f"{measured.video_bytes:9d} ssim {s.ssim_mean:.5f} p5 {s.ssim_p5:.5f} "
            f"psnr {s.psnr_mean:6.2f} cpu {cpu:5.2f}",
            flush=True,
        )
        shutil.rmtree(out.parent)


def repeats(work: Path, kinds: list[str]) -> None:
    for kind in kinds:
        source = render(kind, work / f"{kind}.mp4", seconds=SECONDS, size=SIZE, fps=FPS)
        for rung in plan(*SIZE, FPS):
            for dropping in (False, True):
                out = work / f"{kind}-{dropping}" / rung.name
                out.parent.mkdir()
                cpu, pictures = encode(source, rung, out, "quality", drop_repeats=dropping)
                playlist = out / "index.m3u8"
                segments = read_segments(playlist)
                print(
                    f"{kind} {rung.name} drop={dropping!s:5} bytes "
                    f"{sum(s.bytes for s in segments):8d} video {video_bytes(playlist):8d} "
                    f"pictures {pictures:4d} cpu {cpu:5.2f} "
                    f"extinf {[round(s.seconds, 2) for s in segments]}",
                    flush=True,
                )
                shutil.rmtree(out.parent)


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        if argv[0] == "options":
            options(Path(d), argv[1], int(argv[2]), argv[3:])
        elif argv[0] == "repeats":
            repeats(Path(d), argv[1:])
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
