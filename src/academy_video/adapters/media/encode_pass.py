"""The pass over a source that makes the HLS ladder, run in the sandboxed child (``sandbox.py``).

One pass over the source: each decoded picture is scaled (an FFmpeg filter graph per rung, as the
CLI scales) and encoded by every rung's libx264; audio that is already AAC is copied into every
rung, anything else is encoded to AAC per rung. Settings measured on this machine
(docs/benchmarks.md): decoder ``thread_type=AUTO``, encoder ``FRAME`` threads, ``pict_type`` reset
on every decoded frame (or x264 copies the source's frame types), a fixed GOP of ``gop_seconds``
with scene cuts off and segments of ``segment_seconds`` (a multiple), so segments line up across
renditions; the hls muxer with ``max_delay`` set (else each rung carries ~36 kb/s of padding).

When the source can be copied (``remux.py``), the top rung is the source's own packets and the
encoded rungs put their keyframes where the source has its own, so segments still line up.

Everything is written under the scratch directory the parent gave: a directory per rung (its
playlist and segments) and ``thumbnail.jpg``. The parent checks and publishes it
(``publish.py``); the child holds no storage credentials. What it answers is ``PassSummary``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.filter

from .confinement import Refusal, Report
from .ladder import Rung, plan
from .opening import open_source
from .remux import (
    KeyframesTooFarApart,
    allocator_for_copying,
    copy_packets,
    copyable,
    keyframes_regular,
    mux_to,
)
from .thumbnail import THUMBNAIL_AT, grab_thumbnail, thumbnail_of, write_jpeg

KEY_URI = "/api/v1/playback/key/{video_id}"
AAC = "mp4a.40.2"


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


@dataclass
class Output:
    rung: Rung
    directory: Path
    container: Any
    video: Any
    audio: Any  # None without audio
    graph: Any = None  # None for the copied rung
    copy_video: bool = False
    codecs_video: str = ""
    packets: int = 0


@dataclass
class PassState:
    end: float = 0.0  # end of the last decoded (or copied) video frame, seconds
    thumbnail: Any | None = None
    frames: int = 0
    outputs: list[Output] = field(default_factory=list)


def transcode_in_child(request: PassRequest, report: Report) -> dict[str, Any]:
    """The whole pass, then the thumbnail: what the parent needs to write the master playlist."""
    scratch = Path(request.scratch)
    state, duration, fps = EncodePass(request, report).run()
    write_jpeg(state.thumbnail, scratch / "thumbnail.jpg")
    return {
        "duration": duration,
        "fps": fps,
        "renditions": [
            {
                "name": output.rung.name,
                "width": _size(output)[0],
                "height": _size(output)[1],
                "codecs": (output.codecs_video or _avc1_extradata(output))
                + ("" if output.audio is None else f",{AAC}"),
            }
            for output in state.outputs
        ],
    }


class EncodePass:
    def __init__(self, request: PassRequest, report: Report) -> None:
        self.request = request
        self.report = report
        self.scratch = Path(request.scratch)

    def run(self, remux_allowed: bool = True) -> tuple[PassState, float, float]:
        request = self.request
        with open_source(request.source, headers=request.headers) as container:
            if not container.streams.video:
                raise Refusal("no_video_stream")
            in_v = container.streams.video[0]
            in_a = container.streams.audio[0] if container.streams.audio else None
            ctx = in_v.codec_context
            start = _start(in_v)  # read while open: a closed stream forgets its time base
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
                and (len(rungs) == 1 or keyframes_regular(self._reopen, max_gap))
            )
            key_info = self._key_info() if request.key is not None else None
            state = PassState()
            for rung in rungs:
                copy = remux and rung is rungs[-1]
                state.outputs.append(self._open(rung, in_v, in_a, fps, copy, remux, key_info))
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
                failure = f"decode_failed at {state.end:.1f} s: {_said(error)}"
            finally:
                for output in state.outputs:
                    try:
                        output.container.close()
                    except av.error.FFmpegError as error:
                        failure = failure or (
                            f"packaging_failed for {output.rung.name}: {_said(error)}"
                        )
        if irregular:  # segments would run long: encode after all, from the start
            for rung in rungs:
                shutil.rmtree(self.scratch / rung.name)
            return self.run(remux_allowed=False)
        # A source cut short usually shows as one of the above too; say what the instructor
        # can act on first.
        if expected and state.end < expected - max(1.0, 2 / fps):
            raise Refusal(
                f"source_truncated: only {state.end:.1f} s of {expected:.1f} s could be decoded"
            )
        if failure:
            raise Refusal(failure)
        if state.thumbnail is None:
            try:
                with self._reopen() as again:
                    state.thumbnail = grab_thumbnail(again, start + min(THUMBNAIL_AT, expected / 2))
            except av.error.FFmpegError as error:
                raise Refusal(f"decode_failed (thumbnail): {_said(error)}") from None
            if state.thumbnail is None:
                raise Refusal("no_picture_for_thumbnail")
        return state, state.end - start, fps

    def _reopen(self) -> Any:
        """The source opened once more, under the same rules (a keyframe scan, a thumbnail)."""
        return open_source(self.request.source, headers=self.request.headers)

    def _open(
        self,
        rung: Rung,
        in_v: Any,
        in_a: Any | None,
        fps: float,
        copy: bool,
        follow_source_keyframes: bool,
        key_info: Path | None,
    ) -> Output:
        request = self.request
        directory = self.scratch / rung.name
        directory.mkdir()
        options = {
            "hls_time": str(request.segment_seconds),
            "hls_playlist_type": "vod",
            "hls_flags": "independent_segments",
            "hls_segment_filename": str(directory / "seg_%05d.ts"),
            "max_delay": "700000",
        }
        if key_info is not None:
            options["hls_key_info_file"] = str(key_info)
        out = av.open(str(directory / "index.m3u8"), "w", format="hls", options=options)
        if copy:
            video = out.add_stream_from_template(in_v)
            graph = None
        else:
            rate = Fraction(fps).limit_denominator(1001)
            gop = round(fps * request.gop_seconds)
            video = out.add_stream(
                "libx264",
                rate=rate,
                options={
                    "preset": request.preset,
                    # Keyframes where the source has them (remux), else every gop_seconds.
                    "g": str(gop * 1000 if follow_source_keyframes else gop),
                    "keyint_min": str(gop),
                    "sc_threshold": "0",
                    "forced-idr": "1",
                    "maxrate": str(rung.maxrate),
                    "bufsize": str(rung.bufsize),
                },
            )
            video.width, video.height, video.pix_fmt = rung.width, rung.height, "yuv420p"
            video.bit_rate = rung.video_bitrate
            video.codec_context.thread_type = "FRAME"
            graph = _scaler(in_v, rung)
        audio = None
        if in_a is not None:
            if in_a.codec_context.name == "aac":
                audio = out.add_stream_from_template(in_a)
            else:
                audio = out.add_stream("aac", rate=48000, layout="stereo")
                audio.bit_rate = rung.audio_bitrate
        return Output(rung, directory, out, video, audio, graph, copy)

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
        start = _start(in_v)
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
                        for output in state.outputs:
                            frame.pts = None
                            output.container.mux(output.audio.encode(frame))
        for output in state.outputs:
            if output.graph is not None:
                output.graph.push(None)
                self._drain(output, None)
                output.container.mux(output.video.encode(None))
            encoded_audio = in_a is not None and in_a.codec_context.name != "aac"
            if output.audio is not None and encoded_audio:
                output.container.mux(output.audio.encode(None))

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
        at = float(frame.pts * frame.time_base) if frame.pts is not None else state.end
        state.end = max(state.end, at + frame_seconds)
        if state.thumbnail is None and at - start >= min(THUMBNAIL_AT, expected / 2):
            state.thumbnail = thumbnail_of(frame)
        keyframe = bool(frame.key_frame) and keyframes
        for output in state.outputs:
            if not output.copy_video:
                output.graph.push(frame)
                self._drain(output, keyframe)

    def _drain(self, output: Output, keyframe: bool | None) -> None:
        while True:
            try:
                scaled = output.graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            scaled.pict_type = (
                av.video.frame.PictureType.I if keyframe else av.video.frame.PictureType.NONE
            )
            for packet in output.video.encode(scaled):
                if not output.codecs_video:
                    output.codecs_video = _avc1(bytes(packet))
                output.container.mux(packet)

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


def _said(error: Exception) -> str:
    """What went wrong, for the instructor: FFmpeg's message without the file name, which for a
    stored source is a presigned URL (a credential, and most of the text)."""
    return str(getattr(error, "strerror", None) or error.__class__.__name__)


def _start(stream: Any) -> float:
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    return 0.0


def _scaler(in_v: Any, rung: Rung) -> Any:
    graph = av.filter.Graph()
    buffer = graph.add_buffer(template=in_v)
    scale = graph.add("scale", f"{rung.width}:{rung.height}")
    fmt = graph.add("format", "yuv420p")
    sink = graph.add("buffersink")
    buffer.link_to(scale)
    scale.link_to(fmt)
    fmt.link_to(sink)
    graph.configure()
    return graph


def _size(output: Output) -> tuple[int, int]:
    if output.copy_video:
        ctx = output.video.codec_context
        return int(ctx.width), int(ctx.height)
    return output.rung.width, output.rung.height


def _avc1(annex_b: bytes) -> str:
    """``avc1.PPCCLL`` from the SPS in an Annex-B packet (what CODECS wants)."""
    for chunk in annex_b.split(b"\x00\x00\x01")[1:]:
        if chunk and chunk[0] & 0x1F == 7 and len(chunk) >= 4:
            return f"avc1.{chunk[1]:02x}{chunk[2]:02x}{chunk[3]:02x}"
    return ""


def _avc1_extradata(output: Output) -> str:
    extradata = output.video.codec_context.extradata or b""
    if len(extradata) >= 4 and extradata[0] == 1:  # avcC
        return f"avc1.{extradata[1]:02x}{extradata[2]:02x}{extradata[3]:02x}"
    return _avc1(extradata) or "avc1.640028"
