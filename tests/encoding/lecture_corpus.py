"""A lecture-like corpus made by the tests, nothing downloaded (docs/encoding.md, "The corpus").

``render(kind, path, seconds=…, size=…)`` writes one source of ``kind`` as an MP4: H.264 in
x264's lossless mode (``qp=0``), so what the transcoder decodes is exactly what was drawn and
the source is the reference the quality harness measures against. With ``audio`` it carries a
tone as AAC, so the ladder's segments hold audio as a lecture's do.

Lecture time is scaled for short sources: slides change and the whiteboard is wiped every
20–60 s of a two-minute lecture, proportionally faster in a shorter source (a 30 s source
changes slides every 5–15 s, a 4 s one every 0.7–2 s), so even a test's few seconds hold a
change or two.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from .screen import CodeEditor, Whiteboard
from .slides import TalkingHead, draw_slide

# What each kind stands for (docs/encoding.md says why each is in the corpus).
KINDS = {
    "slides": "slides with Korean and English text and diagrams, changing every 20-60 s",
    "slides_head": "the same slides with a talking-head inset (moving texture, sensor noise)",
    "screen": "a screen recording: code typed into an editor, scrolled now and then",
    "whiteboard": "a whiteboard drawn stroke by stroke, wiped every 20-60 s",
    "pattern": "FFmpeg's testsrc2, today's transcode bench source (worst case: motion)",
    "grain": "testsrc2 under heavy temporal grain (worst case: every frame's residue differs)",
}
LECTURE_KINDS = ("slides", "slides_head", "screen", "whiteboard")
GRAIN_STRENGTH = 12  # FFmpeg ``noise=alls``, as tests/bench/bench_transcode.py's heavy grain
LECTURE_SECONDS = 120.0  # the lecture length the 20-60 s intervals are meant for
# A lossless source is large (heavy grain at 720p: ~30 MB a second): bounds a caller can't pass.
MAX_SECONDS = 300.0
MAX_WIDTH, MAX_HEIGHT = 1920, 1080


def change_times(seconds: float, seed: int) -> list[float]:
    """When slides change (or the board is wiped): every 20-60 s of lecture time, scaled."""
    scale = min(1.0, seconds / LECTURE_SECONDS)
    rng = random.Random(seed)
    times: list[float] = []
    at = 0.0
    while True:
        at += rng.uniform(20.0, 60.0) * scale
        if at >= seconds:
            return times
        times.append(at)


def render(
    kind: str,
    path: Path,
    *,
    seconds: float = 30.0,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
    audio: bool = True,
) -> Path:
    """Write a ``seconds``-long source of ``kind`` at ``size`` and ``fps`` to ``path`` (MP4)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    width, height = size
    if width % 2 or height % 2 or not (64 <= width <= MAX_WIDTH and 64 <= height <= MAX_HEIGHT):
        raise ValueError(f"the size must be even, from 64x64 to {MAX_WIDTH}x{MAX_HEIGHT}")
    if not (0 < seconds <= MAX_SECONDS) or not (1 <= fps <= 60):
        raise ValueError(f"from 0 to {MAX_SECONDS:.0f} s, at 1 to 60 frames a second")
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "qp": "0"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = out.add_stream("aac", rate=48000, layout="mono") if audio else None
        frames = round(seconds * fps)
        for index, frame in enumerate(_pictures(kind, size, fps, frames)):
            frame.pts, frame.time_base = index, Fraction(1, fps)
            frame.pict_type = av.video.frame.PictureType.NONE
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            _tone(out, sound, seconds)
    return path


def _pictures(kind: str, size: tuple[int, int], fps: int, frames: int) -> Iterator[av.VideoFrame]:
    if kind in ("pattern", "grain"):
        yield from _lavfi(kind, size, fps, frames)
        return
    last: tuple[Image.Image, av.VideoFrame] | None = None
    for image in _images(kind, size, fps, frames):
        # A picture that did not change is converted once (a slide is held for seconds).
        if last is None or last[0] is not image:
            picture = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
            last = (image, picture.reformat(format="yuv420p"))
        yield last[1]


def _images(kind: str, size: tuple[int, int], fps: int, frames: int) -> Iterator[Image.Image]:
    width, height = size
    seconds = frames / fps
    if kind == "screen":
        editor = CodeEditor(size)
        for index in range(frames):
            yield editor.frame(index / fps)
        return
    if kind == "whiteboard":
        board = Whiteboard(size, change_times(seconds, seed=11))
        for index in range(frames):
            yield board.frame(index / fps)
        return
    changes = change_times(seconds, seed=5)
    slides: dict[int, Image.Image] = {}
    inset = (width // 4 // 2 * 2, height // 4 // 2 * 2)
    head = TalkingHead(inset, fps) if kind == "slides_head" else None
    for index in range(frames):
        number = bisect.bisect_right(changes, index / fps)
        if number not in slides:
            slides = {number: draw_slide(number, size)}  # one slide held at a time
        if head is None:
            yield slides[number]
            continue
        picture = slides[number].copy()
        picture.paste(
            head.frame(), (width - inset[0] - width // 40, height - inset[1] - height // 40)
        )
        yield picture


def _lavfi(kind: str, size: tuple[int, int], fps: int, frames: int) -> Iterator[av.VideoFrame]:
    width, height = size
    graph = f"testsrc2=size={width}x{height}:rate={fps}"
    if kind == "grain":
        graph += f",noise=alls={GRAIN_STRENGTH}:allf=t"
    graph += ",format=yuv420p"
    with av.open(graph, format="lavfi") as source:
        for index, frame in enumerate(source.decode(video=0)):
            if index >= frames:
                return
            yield frame


def _tone(out: av.container.OutputContainer, stream: av.AudioStream, seconds: float) -> None:
    # After the video: the muxer interleaves what it can; a local file reads back either way.
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=48000)
    tone = f"sine=frequency=220:sample_rate=48000:duration={seconds}:samples_per_frame=1024"
    with av.open(tone, format="lavfi") as source:
        for frame in source.decode(audio=0):
            for converted in resampler.resample(frame):
                out.mux(stream.encode(converted))
    out.mux(stream.encode(None))
