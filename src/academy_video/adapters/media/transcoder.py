"""Transcode a stored source into an HLS ladder with PyAV, decoding the source once.

One pass over the source: each decoded picture is scaled (an FFmpeg filter graph per rung, as the
CLI scales) and encoded by every rung's libx264; audio that is already AAC is copied into every
rung, anything else is encoded to AAC per rung. Settings measured on this machine
(docs/benchmarks.md): decoder ``thread_type=AUTO``, encoder ``FRAME`` threads, ``pict_type`` reset
on every decoded frame (or x264 copies the source's frame types), a fixed GOP of ``gop_seconds``
with scene cuts off and segments of ``segment_seconds`` (a multiple), so segments line up across
renditions; the hls muxer with ``max_delay`` set (else each rung carries ~36 kb/s of padding).

**Remux fast path.** When the source is already H.264 (8-bit 4:2:0) with AAC (or no audio), its
size is the top rung's, and its keyframes come at most ``segment_seconds + 2`` apart, the top rung
is the source's own packets, copied; the encoded rungs put their keyframes where the source has
its own, so segments still line up.

Memory stays bounded: the source streams from a path or a presigned URL (range requests), and
outputs go to a scratch directory that is removed whatever happens, then to storage file by file
(master playlist last, so no reader sees a master before its renditions).

AES-128 (``encrypt=True``): a fresh random key per video, stored beside the outputs under
``keys/`` (never under the public HLS prefix); the playlists' key URI is the playback key
endpoint, which hands the key only to an active session of that video.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.filter

from academy_video.app.ports import ObjectStorage, TranscodeFailed, TranscodeOutput
from academy_video.domain.video import key_object, outputs_prefix

from .ladder import Rung, plan
from .probe import _options
from .source_check import check_source_unchanged

log = logging.getLogger(__name__)

SOURCE_URL_SECONDS = 6 * 3600
THUMBNAIL_AT = 1.0  # seconds into the video
THUMBNAIL_WIDTH = 640
KEY_URI = "/api/v1/playback/key/{video_id}"
# A copy-only pass is all I/O, and FFmpeg's HLS muxer builds each segment in one growing buffer,
# which glibc's defaults put on fresh pages every time (mmap, or a heap top handed back to the
# kernel at once): page faults for every byte of every segment. For that pass only, buffers up to
# 32 MiB come from the heap, which keeps up to 64 MiB free at its top: a 435 MB remux took 0.25 s
# instead of 0.31 s (docs/benchmarks.md). Afterwards glibc's default values are put back (fixed,
# no longer adapting: encoding was measured flat in memory and as fast that way) and the freed
# memory is returned.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MALLOC_FOR_COPYING = (
    (M_MMAP_THRESHOLD, 32 * 1024 * 1024),  # glibc's largest
    (M_TRIM_THRESHOLD, 64 * 1024 * 1024),
    (M_TOP_PAD, 32 * 1024 * 1024),
)
MALLOC_DEFAULTS = tuple((parameter, 128 * 1024) for parameter, _ in MALLOC_FOR_COPYING)


class Cancelled(Exception):
    """The worker was told to stop (shutdown, or its lease was lost)."""


class _KeyframesTooFarApart(Exception):
    """A copied source's keyframes are too sparse for its segments to keep their length."""


@dataclass
class _Output:
    rung: Rung
    directory: Path
    container: Any
    video: Any
    audio: Any  # None without audio
    graph: Any = None  # None for the remux rung
    copy_video: bool = False
    codecs_video: str = ""
    packets: int = 0


@dataclass
class _State:
    end: float = 0.0  # end of the last decoded (or copied) video frame, seconds
    thumbnail: Any | None = None
    frames: int = 0
    outputs: list[_Output] = field(default_factory=list)


class PyAvTranscoder:
    def __init__(
        self,
        storage: ObjectStorage,
        *,
        preset: str = "veryfast",
        segment_seconds: int = 4,
        gop_seconds: int = 2,
        encrypt: bool = False,
        scratch_root: Path | None = None,
        remux: bool = True,
    ) -> None:
        if segment_seconds % gop_seconds:
            raise ValueError("segment_seconds must be a multiple of gop_seconds")
        self.storage = storage
        self.preset = preset
        self.segment_seconds = segment_seconds
        self.gop_seconds = gop_seconds
        self.encrypt = encrypt
        self.scratch_root = scratch_root
        self.remux = remux

    def transcode(
        self,
        *,
        video_id: int,
        tenant: str,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        source_etag: str | None = None,
    ) -> TranscodeOutput:
        scratch = Path(tempfile.mkdtemp(prefix="academy-video-transcode-", dir=self.scratch_root))
        try:
            source = self.storage.source_url(source_key, SOURCE_URL_SECONDS)
            key = os.urandom(16) if self.encrypt else None
            check_source_unchanged(self.storage, source_key, source_etag)
            result = self._transcode(source, scratch, video_id, key, _rising(progress), cancelled)
            check_source_unchanged(self.storage, source_key, source_etag)  # before publishing
            return self._publish(scratch, tenant, video_id, key, result)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def discard(self, *, video_id: int, tenant: str) -> None:
        self.storage.delete_prefix(outputs_prefix(tenant, video_id))
        self.storage.delete(key_object(tenant, video_id))

    # The pass over the source --------------------------------------------------------------

    def _transcode(
        self,
        source: str,
        scratch: Path,
        video_id: int,
        key: bytes | None,
        progress: Callable[[int], None] | None,
        cancelled: Callable[[], bool] | None,
        remux_allowed: bool = True,
    ) -> tuple[_State, float, float]:
        try:
            container = av.open(source, options=_options(source), timeout=30.0)
        except (av.error.FFmpegError, OSError) as error:
            raise TranscodeFailed(f"source_unreadable: {_said(error)}") from None
        with container:
            if not container.streams.video:
                raise TranscodeFailed("no_video_stream")
            in_v = container.streams.video[0]
            in_a = container.streams.audio[0] if container.streams.audio else None
            ctx = in_v.codec_context
            start = _start(in_v)  # read while open: a closed stream forgets its time base
            fps = float(in_v.average_rate or in_v.guessed_rate or 30)
            expected = _duration(container, in_v)
            rungs = plan(ctx.width, ctx.height, fps)
            # A single rung copied whole checks its keyframes on the pass itself; a ladder whose
            # encoded rungs follow the source's keyframes needs to know before it starts.
            max_gap = self.segment_seconds + 2
            remux = (
                remux_allowed
                and self.remux
                and _copyable(in_v, in_a, rungs)
                and (len(rungs) == 1 or _keyframes_regular(source, max_gap))
            )
            key_info = self._key_info(scratch, video_id, key) if key is not None else None
            state = _State()
            for rung in rungs:
                copy = remux and rung is rungs[-1]
                state.outputs.append(
                    self._open(scratch, rung, in_v, in_a, fps, copy, remux, key_info)
                )
            failure, irregular = None, False
            try:
                if all(output.copy_video for output in state.outputs):
                    # Decodes one picture: frame threads would only delay it.
                    with _allocator_for_copying():
                        _copy(container, in_v, in_a, state, expected, max_gap, progress, cancelled)
                else:
                    in_v.thread_type = "AUTO"
                    self._pump(container, in_v, in_a, state, expected, remux, progress, cancelled)
            except _KeyframesTooFarApart:
                irregular = True
            except av.error.FFmpegError as error:
                failure = f"decode_failed at {state.end:.1f} s: {_said(error)}"
            finally:
                for output in state.outputs:
                    try:
                        output.container.close()
                    except av.error.FFmpegError as error:
                        failure = (
                            failure or f"packaging_failed for {output.rung.name}: {_said(error)}"
                        )
        if irregular:  # segments would run long: encode after all, from the start
            for rung in rungs:
                shutil.rmtree(scratch / rung.name)
            return self._transcode(
                source, scratch, video_id, key, progress, cancelled, remux_allowed=False
            )
        # A source cut short usually shows as one of the above too; say what the instructor
        # can act on first.
        if expected and state.end < expected - max(1.0, 2 / fps):
            raise TranscodeFailed(
                f"source_truncated: only {state.end:.1f} s of {expected:.1f} s could be decoded"
            )
        if failure:
            raise TranscodeFailed(failure)
        if state.thumbnail is None:
            try:
                at = start + min(THUMBNAIL_AT, expected / 2)
                state.thumbnail = _grab_thumbnail(source, at)
            except av.error.FFmpegError as error:
                raise TranscodeFailed(f"decode_failed (thumbnail): {_said(error)}") from None
            if state.thumbnail is None:
                raise TranscodeFailed("no_picture_for_thumbnail")
        return state, state.end - start, fps

    def _open(
        self,
        scratch: Path,
        rung: Rung,
        in_v: Any,
        in_a: Any | None,
        fps: float,
        copy: bool,
        follow_source_keyframes: bool,
        key_info: Path | None,
    ) -> _Output:
        directory = scratch / rung.name
        directory.mkdir()
        options = {
            "hls_time": str(self.segment_seconds),
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
            gop = round(fps * self.gop_seconds)
            video = out.add_stream(
                "libx264",
                rate=rate,
                options={
                    "preset": self.preset,
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
        return _Output(rung, directory, out, video, audio, graph, copy)

    def _pump(
        self,
        container: Any,
        in_v: Any,
        in_a: Any | None,
        state: _State,
        expected: float,
        keyframes: bool,
        progress: Callable[[int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        streams = [in_v] if in_a is None else [in_v, in_a]
        last_percent = -1
        start = _start(in_v)
        frame_seconds = 1 / float(in_v.average_rate or 30)
        seconds_per_tick = float(in_v.time_base) if in_v.time_base is not None else 0.0
        for packet in container.demux(streams):
            if cancelled is not None and state.frames % 25 == 0 and cancelled():
                raise Cancelled()
            if packet.stream is in_v:
                if packet.pts is not None and packet.size:
                    state.end = max(state.end, packet.pts * seconds_per_tick + frame_seconds)
                for frame in packet.decode():
                    self._picture(state, frame, start, expected, frame_seconds, keyframes)
                # Decoded first: muxing rewrites the packet's times in place.
                if packet.dts is not None:
                    _mux_to(packet, [(o, o.video) for o in state.outputs if o.copy_video])
                if progress is not None and expected:
                    percent = min(99, int(100 * (state.end - start) / expected))
                    if percent != last_percent:
                        last_percent = percent
                        progress(percent)
            elif in_a is not None and packet.stream is in_a:
                if in_a.codec_context.name == "aac":
                    if packet.dts is not None:
                        _mux_to(packet, [(o, o.audio) for o in state.outputs])
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
        state: _State,
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
            state.thumbnail = _thumbnail(frame)
        keyframe = bool(frame.key_frame) and keyframes
        for output in state.outputs:
            if not output.copy_video:
                self._encode(output, frame, keyframe)

    def _encode(self, output: _Output, frame: Any, keyframe: bool) -> None:
        output.graph.push(frame)
        self._drain(output, keyframe)

    def _drain(self, output: _Output, keyframe: bool | None) -> None:
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

    def _key_info(self, scratch: Path, video_id: int, key: bytes) -> Path:
        key_file = scratch / "aes.key"
        key_file.write_bytes(key)
        info = scratch / "key-info.txt"
        # The muxer uses one IV for every segment (all zeros unless given): make it random.
        iv = os.urandom(16).hex()
        info.write_text(f"{KEY_URI.format(video_id=video_id)}\n{key_file}\n{iv}\n")
        return info

    # Publishing ----------------------------------------------------------------------------

    def _publish(
        self,
        scratch: Path,
        tenant: str,
        video_id: int,
        key: bytes | None,
        result: tuple[_State, float, float],
    ) -> TranscodeOutput:
        state, duration, fps = result
        prefix = outputs_prefix(tenant, video_id)
        renditions = []
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
        for output in state.outputs:
            segments = list(_segments(output.directory / "index.m3u8"))
            if not segments:
                raise TranscodeFailed(f"no_segments for {output.rung.name}")
            sizes = [8 * (output.directory / name).stat().st_size for name, _ in segments]
            peak = max(
                bits / max(seconds, 0.001)
                for bits, (_, seconds) in zip(sizes, segments, strict=True)
            )
            total_bits, total_seconds = sum(sizes), sum(seconds for _, seconds in segments)
            average = int(total_bits / max(total_seconds, 0.001))
            codecs = output.codecs_video or _avc1_extradata(output)
            if output.audio is not None:
                codecs += ",mp4a.40.2"
            width, height = _size(output)
            lines.append(
                f"#EXT-X-STREAM-INF:BANDWIDTH={int(peak)},AVERAGE-BANDWIDTH={average},"
                f'RESOLUTION={width}x{height},FRAME-RATE={fps:.3f},CODECS="{codecs}"'
            )
            lines.append(f"{output.rung.name}/index.m3u8")
            renditions.append(
                {
                    "name": output.rung.name,
                    "width": width,
                    "height": height,
                    "bandwidth": int(peak),
                    "playlist": f"{prefix}{output.rung.name}/index.m3u8",
                }
            )
        (scratch / "master.m3u8").write_text("\n".join(lines) + "\n")
        thumbnail = scratch / "thumbnail.jpg"
        _write_jpeg(state.thumbnail, thumbnail)

        self.storage.delete_prefix(prefix)  # a retry replaces what an earlier attempt left
        for output in state.outputs:
            for file in sorted(output.directory.glob("seg_*.ts")):
                segment = f"{prefix}{output.rung.name}/{file.name}"
                self.storage.put_file(segment, file, "video/mp2t", move=True)
            self.storage.put_file(
                f"{prefix}{output.rung.name}/index.m3u8",
                output.directory / "index.m3u8",
                "application/vnd.apple.mpegurl",
            )
        self.storage.put_file(f"{prefix}thumbnail.jpg", thumbnail, "image/jpeg")
        if key is not None:
            key_file = scratch / "aes.key"
            self.storage.put_file(
                key_object(tenant, video_id), key_file, "application/octet-stream"
            )
        self.storage.put_file(
            f"{prefix}master.m3u8", scratch / "master.m3u8", "application/vnd.apple.mpegurl"
        )
        return TranscodeOutput(
            hls_path=f"{prefix}master.m3u8",
            duration=round(duration, 3),
            thumbnail_key=f"{prefix}thumbnail.jpg",
            renditions=renditions,
        )


# Helpers -------------------------------------------------------------------------------------


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


@functools.cache
def _libc() -> Any | None:
    """The process's C library, where it has glibc's ``mallopt`` and ``malloc_trim``."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def _tuned_by_operator() -> bool:
    """glibc tunables or ``MALLOC_*_`` variables in the environment: the operator's, kept."""
    return any(name == "GLIBC_TUNABLES" or name.startswith("MALLOC_") for name in os.environ)


@contextmanager
def _allocator_for_copying() -> Iterator[None]:
    libc = _libc()
    if libc is None or _tuned_by_operator():
        yield
        return
    for parameter, value in MALLOC_FOR_COPYING:
        libc.mallopt(parameter, value)
    try:
        yield
    finally:
        for parameter, value in MALLOC_DEFAULTS:
            libc.mallopt(parameter, value)
        libc.malloc_trim(0)


def _copy(
    container: Any,
    in_v: Any,
    in_a: Any | None,
    state: _State,
    expected: float,
    max_gap: float,
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    """The pass of a copy-only job (a single rung, the source's own packets): the tightest loop
    we can write, since per-packet Python is most of its cost. One keyframe is decoded, for the
    thumbnail (cheaper than seeking for it afterwards). Keyframes more than ``max_gap`` seconds
    apart stop the pass: segments cut only at keyframes would run long."""
    [output] = state.outputs
    targets = {in_v.index: output.video}
    if in_a is not None:
        targets[in_a.index] = output.audio
    mux = output.container.mux_one
    tick = float(in_v.time_base) if in_v.time_base is not None else 0.0
    start = _start(in_v)
    thumbnail_at = start + min(THUMBNAIL_AT, expected / 2)
    # Progress and cancellation are checked when the video passes the next whole percent.
    step = int(expected / 100 / tick) if tick and expected else 0
    max_ticks = max_gap / tick if tick else float("inf")
    checkpoint, last_pts, last_key, decoding = 0, None, None, False
    for packet in container.demux([in_v] if in_a is None else [in_v, in_a]):
        stream = packet.stream
        if stream is in_v:
            pts = packet.pts
            if pts is not None and packet.size and (last_pts is None or pts > last_pts):
                last_pts = pts
                if packet.is_keyframe:
                    last_key = pts
                if last_key is not None and pts - last_key > max_ticks:
                    raise _KeyframesTooFarApart()
                if step and pts >= checkpoint:
                    checkpoint = pts + step
                    if cancelled is not None and cancelled():
                        raise Cancelled()
                    if progress is not None:
                        progress(min(99, int(100 * (pts * tick - start) / expected)))
            # The thumbnail: the first keyframe from ``thumbnail_at`` on, the only picture this
            # pass decodes (decoded before muxing, which rewrites the packet's times in place).
            if state.thumbnail is None and (
                decoding or (packet.is_keyframe and pts is not None and pts * tick >= thumbnail_at)
            ):
                decoding = True
                for frame in packet.decode():
                    state.thumbnail = _thumbnail(frame)
        if packet.dts is not None:
            packet.stream = targets[stream.index]
            mux(packet)
    if last_pts is not None:
        state.end = last_pts * tick + 1 / float(in_v.average_rate or 30)


def _mux_to(packet: Any, targets: list[tuple[_Output, Any]]) -> None:
    """Mux ``packet`` into each (output, stream). Muxing rewrites a packet's times in place, so
    all but the last target get a copy; the last (often the only one) gets the packet itself."""
    for index, (output, stream) in enumerate(targets):
        if index == len(targets) - 1:
            packet.stream = stream
            output.container.mux(packet)
            return
        copy = av.Packet(bytes(packet))
        copy.pts, copy.dts, copy.duration = packet.pts, packet.dts, packet.duration
        copy.time_base = packet.time_base
        copy.is_keyframe = packet.is_keyframe
        copy.stream = stream
        output.container.mux(copy)


def _copyable(in_v: Any, in_a: Any | None, rungs: list[Rung]) -> bool:
    """Whether the top rung can be the source's own packets: H.264 8-bit 4:2:0, AAC or no
    audio, and the top rung's size."""
    ctx = in_v.codec_context
    if ctx.name != "h264" or ctx.pix_fmt not in ("yuv420p", "yuvj420p"):
        return False
    if in_a is not None and in_a.codec_context.name != "aac":
        return False
    return (rungs[-1].width, rungs[-1].height) == (ctx.width, ctx.height)


def _rising(progress: Callable[[int], None] | None) -> Callable[[int], None] | None:
    """``progress`` that never reports less than it already has (a second pass restarts at 0)."""
    if progress is None:
        return None
    report = progress
    highest = -1

    def rising(percent: int) -> None:
        nonlocal highest
        if percent > highest:
            highest = percent
            report(percent)

    return rising


def _keyframes_regular(source: str, max_gap: float, scan_seconds: float = 15.0) -> bool:
    """Whether the source's first 15 seconds have keyframes at most ``max_gap`` seconds apart
    (demuxing packets only: no decoding)."""
    with av.open(source, options=_options(source), timeout=30.0) as container:
        stream = container.streams.video[0]
        if stream.time_base is None:
            return False
        last = None
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            at = float(packet.pts * stream.time_base)
            if packet.is_keyframe:
                if last is not None and at - last > max_gap:
                    return False
                last = at
            elif last is not None and at - last > max_gap:
                return False
            if at > scan_seconds:
                break
        return last is not None


def _grab_thumbnail(source: str, at: float) -> Any:
    """The picture at ``at`` seconds, by seeking to the keyframe before it and decoding on
    (a copy-only job decoded nothing on its pass)."""
    with av.open(source, options=_options(source), timeout=30.0) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if stream.time_base is not None:
            container.seek(int(at / stream.time_base), stream=stream, backward=True)
        first = None
        for frame in container.decode(stream):
            first = first or frame
            if (
                frame.pts is None
                or frame.time_base is None
                or float(frame.pts * frame.time_base) >= at
            ):
                return _thumbnail(frame)
        return None if first is None else _thumbnail(first)


def _thumbnail(frame: Any) -> Any:
    width = min(THUMBNAIL_WIDTH, frame.width)
    height = max(2, round(frame.height * width / frame.width / 2) * 2)
    return frame.reformat(width=width, height=height, format="yuvj420p")


def _write_jpeg(frame: Any, path: Path) -> None:
    with av.open(str(path), "w", format="image2") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuvj420p"
        frame.pts = None
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def _segments(playlist: Path) -> Iterator[tuple[str, float]]:
    seconds = 0.0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            seconds = float(line.removeprefix("#EXTINF:").split(",")[0])
        elif line and not line.startswith("#"):
            yield line, seconds


def _size(output: _Output) -> tuple[int, int]:
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


def _avc1_extradata(output: _Output) -> str:
    extradata = output.video.codec_context.extradata or b""
    if len(extradata) >= 4 and extradata[0] == 1:  # avcC
        return f"avc1.{extradata[1]:02x}{extradata[2]:02x}{extradata[3]:02x}"
    return _avc1(extradata) or "avc1.640028"
