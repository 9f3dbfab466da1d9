"""One rung of the ladder encoded in variants, for measurements the service does not build
(docs/encoding.md, "Tuning x264"). Not in ``make bench``.

``python tests/bench/rung_variants.py options KIND HEIGHT NAME:OPTION=VALUE,... ...``: the rung of
``HEIGHT`` of a 20 s 720p30 ``KIND`` source under ``quality`` with x264 options added (``fixed:``
encodes the fixed rung instead), one variant per pass, measured by the quality harness: bytes,
video bytes, SSIM mean and p5, PSNR, and the pass's CPU seconds.

Encodes with the service's own rendition code (``renditions.open_output``), in this process.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.filter

from academy_video.adapters.media.ladder import Rung, plan
from academy_video.adapters.media.remux import mux_to
from academy_video.adapters.media.renditions import (
    Encoding,
    encode_scaled,
    finish_video,
    open_output,
)
from academy_video.adapters.media.repeats import PassedPictures
from tests.encoding.lecture_corpus import render
from tests.encoding.quality import measure_rung

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


def encode(source: Path, rung: Rung, out: Path, choice: str) -> float:
    """``rung`` of ``source`` into ``out`` (playlist and segments) as the pass encodes it
    (under ``quality``, repeated pictures left out and keyframes by source time): the CPU
    seconds."""
    gop = SEGMENT_SECONDS if choice == "quality" else 2
    encoding = Encoding("veryfast", SEGMENT_SECONDS, gop, None, choice)
    passed = PassedPictures(Fraction(1, FPS), gop) if encoding.leaves_out_repeats else None
    cpu = time.process_time()
    with av.open(str(source)) as container:
        in_v, in_a = container.streams.video[0], container.streams.audio[0]
        output = open_output(
            out, rung, in_v, in_a, FPS, encoding, copy=False, follow_source_keyframes=False
        )
        in_v.thread_type = "AUTO"
        end = Fraction(0)
        for packet in container.demux(in_v, in_a):
            if packet.stream is in_v:
                picture: Any
                for picture in packet.decode():
                    at = Fraction(picture.pts) * picture.time_base
                    end = at + Fraction(1, FPS)
                    keyframe = False
                    if passed is not None:
                        admitted = passed.admit(picture, at)
                        if admitted is None:
                            continue
                        at, keyframe = admitted
                    output.graph.push(picture)
                    encode_scaled(output, keyframe, at)
            elif packet.dts is not None:
                mux_to(packet, [(output, output.audio)])
        finish_video(output, end)
        output.container.close()
    return time.process_time() - cpu


def options(work: Path, kind: str, height: int, specs: list[str]) -> None:
    source = render(kind, work / f"{kind}.mp4", seconds=SECONDS, size=SIZE, fps=FPS)
    for spec in specs:
        name, rung = variant(height, spec)
        out = work / name / rung.name
        out.parent.mkdir()
        cpu = encode(source, rung, out, rung.choice)
        measured = measure_rung(out / "index.m3u8", source, rung.width, rung.height)
        s = measured.scores
        print(
            f"{kind} {rung.name} {name:>24} bytes {measured.bytes:9d} video "
            f"{measured.video_bytes:9d} ssim {s.ssim_mean:.5f} p5 {s.ssim_p5:.5f} "
            f"psnr {s.psnr_mean:6.2f} cpu {cpu:5.2f}",
            flush=True,
        )
        shutil.rmtree(out.parent)


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        if argv[0] == "options":
            options(Path(d), argv[1], int(argv[2]), argv[3:])
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
