"""The pass over a source that makes the HLS ladder, run in the sandboxed child (``sandbox.py``).

One pass over the source: each decoded picture goes to every rung's scale graph and libx264
encoder (``renditions.py``); audio that is already AAC is copied into every rung, anything else
is encoded to AAC per rung. The decoder runs with ``thread_type=AUTO`` (measured on this machine:
docs/benchmarks.md).

When the source can be copied (``remux.py``), the top rung is the source's own packets and the
encoded rungs put their keyframes where the source has its own, so segments still line up.

Everything is written under the scratch directory the parent gave: a directory per rung (its
playlist and segments) and ``thumbnail.jpg``. The parent checks and publishes it
(``publish.py``); the child holds no storage credentials. What it answers is ``PassSummary``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from .confinement import Refusal, Report
from .ladder import plan
from .opening import open_source
from .remux import (
    KeyframesTooFarApart,
    allocator_for_copying,
    copy_packets,
    copyable,
    copyable_start,
    keyframes_regular,
    mux_to,
)
from .renditions import Encoding, PassState, describe, encode_scaled, finish_video, open_output
from .repeats import PassedPictures
from .thumbnail import THUMBNAIL_AT, grab_thumbnail, thumbnail_of, write_jpeg
from .timeline import SoundClock, sound_start, start_seconds, timeline_shift

KEY_URI = "/api/v1/playback/key/{video_id}"
# How far a decoded picture may run past the length the source declares (or a tenth of it): a
# header that lies about a far-off picture would have the pass fill the gap to it.
PAST_DURATION_SECONDS = 10


@dataclass(frozen=True)
class PassRequest:
    source: str  # a local path, or the storage's presigned URL
    scratch: str
    video_id: int
    key: bytes | None  # AES-128 key, or None for clear segments
    iv: bytes | None  # its IV (the muxer's default is all zeros), chosen by the parent
    preset: str
    segment_seconds: int
    gop_seconds: int
    remux: bool
    max_seconds: float
    headers: str = ""  # extra HTTP request headers for a URL source
    rate_control: str = "fixed"  # ladder.RATE_CONTROLS


def transcode_in_child(request: PassRequest, report: Report) -> dict[str, Any]:
    """The whole pass, then the thumbnail: what the parent needs to write the master playlist."""
    scratch = Path(request.scratch)
    state, duration, fps = EncodePass(request, report).run()
    write_jpeg(state.thumbnail, scratch / "thumbnail.jpg")
    return {
        "duration": duration,
        "fps": fps,
        "renditions": [describe(output) for output in state.outputs],
    }


class EncodePass:
    def __init__(self, request: PassRequest, report: Report) -> None:
        self.request = request
        self.report = report
        self.scratch = Path(request.scratch)
        # Under ``quality``: repeated pictures left out, keyframes by source time (repeats.py).
        self.passed: PassedPictures | None = None
        self.last_passed: Any = None  # the last decoded picture passed on

    def run(self, remux_allowed: bool = True) -> tuple[PassState, float, float]:
        request = self.request
        with open_source(request.source, headers=request.headers) as container:
            if not container.streams.video:
                raise Refusal("no_video_stream")
            in_v = container.streams.video[0]
            in_a = container.streams.audio[0] if container.streams.audio else None
            ctx = in_v.codec_context
            start = start_seconds(in_v)  # read while open: a closed stream forgets its time base
            fps = float(in_v.average_rate or in_v.guessed_rate or 30)
            expected = _duration(container, in_v)
            if expected > request.max_seconds:
                raise Refusal("too_long")
            self.report("opened", expected)
            rungs = plan(ctx.width, ctx.height, fps)
            # A single rung copied whole checks its keyframes on the pass itself; a ladder whose
            # encoded rungs follow the source's keyframes needs to know before it starts.
            max_gap = request.segment_seconds + 2
            remux = (
                remux_allowed
                and request.remux
                and copyable(in_v, in_a, rungs)
                and rungs[-1].may_copy(in_v.bit_rate, request.rate_control)
                and copyable_start(self._reopen)
                and (len(rungs) == 1 or keyframes_regular(self._reopen, max_gap))
            )
            encoding = Encoding(
                preset=request.preset,
                segment_seconds=request.segment_seconds,
                gop_seconds=gop_seconds(request),
                key_info=self._key_info() if request.key is not None else None,
                rate_control=request.rate_control,
                copies_source=remux,
                time_shift=timeline_shift(start, sound_start(in_a)),
            )
            if encoding.leaves_out_repeats:  # ticks of the rungs' rate (renditions.py)
                tick = 1 / Fraction(fps).limit_denominator(1001)
                self.passed = PassedPictures(tick, encoding.gop_seconds)
            state = PassState()
            for rung in rungs:
                state.outputs.append(
                    open_output(
                        self.scratch / rung.name,
                        rung,
                        in_v,
                        in_a,
                        fps,
                        encoding,
                        copy=remux and rung is rungs[-1],
                        follow_source_keyframes=remux,
                    )
                )
            failure, irregular = None, False
            try:
                if all(output.copy_video for output in state.outputs):
                    # Decodes one picture: frame threads would only delay it.
                    with allocator_for_copying():
                        copy_packets(container, in_v, in_a, state, expected, max_gap, self.report)
                else:
                    in_v.thread_type = "AUTO"
                    self._pump(container, in_v, in_a, state, expected, remux)
            except KeyframesTooFarApart:
                irregular = True
            except MemoryError:
                raise Refusal("memory_limit") from None
            except av.error.FFmpegError as error:
                failure = f"decode_failed at {state.end:.1f} s: {reason_without_url(error)}"
            finally:
                for output in state.outputs:
                    try:
                        output.container.close()
                    except av.error.FFmpegError as error:
                        failure = failure or (
                            f"packaging_failed for {output.rung.name}: {reason_without_url(error)}"
                        )
        if irregular:  # segments would run long: encode after all, from the start
            for rung in rungs:
                shutil.rmtree(self.scratch / rung.name)
            return self.run(remux_allowed=False)
        # A source cut short usually shows as one of the above too; say what the instructor
        # can act on first.
        decoded = state.end - start  # times start anywhere; Matroska's duration is an end time
        if expected and max(decoded, state.end) < expected - max(1.0, 2 / fps):
            raise Refusal(
                f"source_truncated: only {decoded:.1f} s of {expected:.1f} s could be decoded"
            )
        if failure:
            raise Refusal(failure)
        if state.thumbnail is None:
            try:
                with self._reopen() as again:
                    state.thumbnail = grab_thumbnail(again, start + min(THUMBNAIL_AT, expected / 2))
            except av.error.FFmpegError as error:
                raise Refusal(f"decode_failed (thumbnail): {reason_without_url(error)}") from None
            if state.thumbnail is None:
                raise Refusal("no_picture_for_thumbnail")
        return state, state.end - start, fps

    def _reopen(self) -> Any:
        """The source opened once more, under the same rules (a keyframe scan, a thumbnail)."""
        return open_source(self.request.source, headers=self.request.headers)

    def _pump(
        self,
        container: Any,
        in_v: Any,
        in_a: Any | None,
        state: PassState,
        expected: float,
        keyframes: bool,
    ) -> None:
        streams = [in_v] if in_a is None else [in_v, in_a]
        last_percent = -1
        start = start_seconds(in_v)
        sound = sound_start(in_a)
        clocks = [SoundClock(start if sound is None else sound) for _ in state.outputs]
        frame_seconds = 1 / float(in_v.average_rate or 30)
        seconds_per_tick = float(in_v.time_base) if in_v.time_base is not None else 0.0
        for packet in container.demux(streams):
            if packet.stream is in_v:
                if packet.pts is not None and packet.size:
                    state.end = max(state.end, packet.pts * seconds_per_tick + frame_seconds)
                for frame in packet.decode():
                    self._picture(state, frame, start, expected, frame_seconds, keyframes)
                # Decoded first: muxing rewrites the packet's times in place.
                if packet.dts is not None:
                    mux_to(packet, [(o, o.video) for o in state.outputs if o.copy_video])
                if expected:
                    percent = min(99, int(100 * (state.end - start) / expected))
                    if percent != last_percent:
                        last_percent = percent
                        self.report("progress", percent)
            elif in_a is not None and packet.stream is in_a:
                if in_a.codec_context.name == "aac":
                    if packet.dts is not None:
                        mux_to(packet, [(o, o.audio) for o in state.outputs])
                else:
                    for frame in packet.decode():
                        for output, clock in zip(state.outputs, clocks, strict=True):
                            frame.pts = None
                            output.container.mux(clock.stamp(output.audio.encode(frame)))
        for output, clock in zip(state.outputs, clocks, strict=True):
            finish_video(output, Fraction(state.end))
            encoded_audio = in_a is not None and in_a.codec_context.name != "aac"
            if output.audio is not None and encoded_audio:
                output.container.mux(clock.stamp(output.audio.encode(None)))

    def _picture(
        self,
        state: PassState,
        frame: Any,
        start: float,
        expected: float,
        frame_seconds: float,
        keyframes: bool,
    ) -> None:
        """One decoded picture: to the thumbnail if it is the one, and to every encoding rung."""
        state.frames += 1
        exact = Fraction(frame.pts) * frame.time_base if frame.pts is not None else None
        at = float(exact) if exact is not None else state.end
        if at - start > self.request.max_seconds:  # whatever the header said
            raise Refusal("too_long")
        if expected and at - start > expected + max(PAST_DURATION_SECONDS, expected / 10):
            raise Refusal("timestamps_past_duration")
        state.end = max(state.end, at + frame_seconds)
        if state.thumbnail is None and at - start >= min(THUMBNAIL_AT, expected / 2):
            state.thumbnail = thumbnail_of(frame)
        keyframe = bool(frame.key_frame) and keyframes
        if self.passed is not None:
            exact = Fraction(at) if exact is None else exact
            for stamp in self.passed.spanned_keyframes(exact):
                self._encode(state, self.last_passed, True, stamp)
            admitted = self.passed.admit(frame, exact)
            if admitted is None:
                return
            exact, keyframe = admitted
            self.last_passed = frame
        self._encode(state, frame, keyframe, exact)

    def _encode(self, state: PassState, frame: Any, keyframe: bool, at: Fraction | None) -> None:
        for output in state.outputs:
            if not output.copy_video:
                output.graph.push(frame)
                encode_scaled(output, keyframe, at)

    def _key_info(self) -> Path:
        request = self.request
        assert request.key is not None
        assert request.iv is not None
        key_file = self.scratch / "aes.key"
        key_file.write_bytes(request.key)
        info = self.scratch / "key-info.txt"
        uri = KEY_URI.format(video_id=request.video_id)
        info.write_text(f"{uri}\n{key_file}\n{request.iv.hex()}\n")
        return info


def gop_seconds(request: PassRequest) -> int:
    """The keyframe interval: under ``quality`` one keyframe per segment (on still slides the
    keyframes were 55-61 % of the video bytes at 2 s: docs/encoding.md), else ``gop_seconds``."""
    return request.segment_seconds if request.rate_control == "quality" else request.gop_seconds


def reason_without_url(error: Exception) -> str:
    """What went wrong, for the instructor: FFmpeg's message without the file name, which for a
    stored source is a presigned URL (a credential, and most of the text)."""
    return str(getattr(error, "strerror", None) or error.__class__.__name__)


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    return 0.0
