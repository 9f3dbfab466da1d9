"""The renditions one pass writes, one per rung of the ladder: its hls muxer, its libx264 encoder
(or the source's stream, copied) and the scale graph that feeds it, and what the master playlist
will say of it (size, ``CODECS``).

Each picture is scaled as the ffmpeg CLI scales (one FFmpeg filter graph per rung). The encoder
has ``FRAME`` threads, its rate control (``Rung.rate_options``), a fixed GOP of ``gop_seconds``
with scene cuts off, and ``pict_type`` reset
on every picture (or x264 copies the source's frame types), so segments of ``segment_seconds`` (a
multiple) line up across renditions. The hls muxer runs with ``max_delay`` set: without it every
rung carries padding (docs/benchmarks.md, Transcoding).

Under ``quality`` the pass leaves out pictures that repeat the last one (``repeats.py``): each
picture is then held until the next one arrives and its packet lasts until then, because the hls
muxer times segments by packet durations and libx264 gives every packet one frame's. A held
picture is sent again (a repeat, a few bytes) rather than last longer than:

- ``MAX_HOLD_SECONDS``: a player never waits long for its next picture, whatever gaps the source
  has;
- one frame, for a keyframe and the stream's first ``OPENING_PICTURES``: FFmpeg's hls muxer
  times the last segment as the durations of its packets after the first plus the stream's
  first packet's (a keyframe held longer than the first picture made the last ``#EXTINF``
  short, a first picture held 2 s made it 2 s long), and x264 takes its decoding delay from
  the first three pictures' spacing and shifts every decode time by it (held, hls.js stretched
  the video's timeline by a second: tests/browser/test_player_still_pictures.py).

x264 gives a keyframe the decode time of the picture two before it (B-frames) and the hls muxer
cuts segments in decode order, so a segment after held pictures begins with up to a second of
sound from before its first picture; every rung alike (none copies the source when pictures
are left out), so a player switching rungs or seeking meets the same cut. Sending the two
pictures before each keyframe a frame apart removed it but moved x264's rate control enough to
cost a slides rung 0.002 of its 5th-percentile SSIM (docs/encoding.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.filter

from .ladder import Rung
from .timeline import slow_rate_options

AAC = "mp4a.40.2"
MAX_HOLD_SECONDS = Fraction(1, 2)
OPENING_PICTURES = 3


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
    holds: bool = False  # pictures held until the next (repeats left out), see ``hold``
    held: Any = None  # the picture waiting for the next one's time
    sent: int = 0  # pictures given to the encoder
    lasting: dict[Fraction, Fraction] = field(default_factory=dict)  # seconds, by start


@dataclass
class PassState:
    end: float = 0.0  # end of the last decoded (or copied) video frame, seconds
    thumbnail: Any | None = None
    frames: int = 0
    outputs: list[Output] = field(default_factory=list)


@dataclass(frozen=True)
class Encoding:
    """How every rung of one pass is encoded and segmented."""

    preset: str
    segment_seconds: int
    gop_seconds: int
    key_info: Path | None  # the hls muxer's key info file, or None for clear segments
    rate_control: str = "fixed"  # ladder.RATE_CONTROLS
    copies_source: bool = False  # the top rung is the source's own packets (remux)
    time_shift: float = 0.0  # seconds added to the source's times (encode_pass.timeline_shift)

    @property
    def leaves_out_repeats(self) -> bool:
        """Whether pictures identical to the last one are left out (``repeats.py``): under
        ``quality``, unless a rung copies the source, whose segments the encoded ones must cut
        where it does, on the source's own times (stamped on a coarser grid they can miss)."""
        return self.rate_control == "quality" and not self.copies_source


def open_output(
    directory: Path,
    rung: Rung,
    in_v: Any,
    in_a: Any | None,
    fps: float,
    encoding: Encoding,
    *,
    copy: bool,
    follow_source_keyframes: bool,
) -> Output:
    """``rung``'s muxer in ``directory``, with its video stream (copied, or encoded from scaled
    pictures) and its audio (AAC copied, anything else encoded)."""
    directory.mkdir()
    options = {
        "hls_time": str(encoding.segment_seconds),
        "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
        "hls_segment_filename": str(directory / "seg_%05d.ts"),
        "max_delay": "700000",
        # Every rung on the source's own times (shifted only by ``time_shift``), in the playlist's
        # muxer and each segment's: by default each shifted its times by its own first negative
        # decode time (an encoder's B-frames, a copied AAC's priming), so rungs disagreed by up
        # to two frames and captions showed that much early (docs/captions.md).
        "avoid_negative_ts": "disabled",
        "hls_segment_options": "avoid_negative_ts=disabled",
    }
    if encoding.time_shift:
        options["output_ts_offset"] = f"{encoding.time_shift:.6f}"
    if encoding.key_info is not None:
        options["hls_key_info_file"] = str(encoding.key_info)
    out = av.open(str(directory / "index.m3u8"), "w", format="hls", options=options)
    if copy:
        video = out.add_stream_from_template(in_v)
        graph = None
    else:
        rate = Fraction(fps).limit_denominator(1001)
        gop = round(fps * encoding.gop_seconds)
        bit_rate, rate_options = rung.rate_options(encoding.rate_control)
        # Keyframes where the source has them (remux) or, when pictures are left out, every
        # gop_seconds of source time (the pass forces them); else every gop pictures.
        forced = follow_source_keyframes or encoding.leaves_out_repeats
        video = out.add_stream(
            "libx264",
            rate=rate,
            options={
                "preset": encoding.preset,
                "g": str(gop * 1000 if forced else gop),
                "keyint_min": str(gop),
                "sc_threshold": "0",
                "forced-idr": "1",
                **rate_options,
                **slow_rate_options(fps),
            },
        )
        video.width, video.height, video.pix_fmt = rung.width, rung.height, "yuv420p"
        video.codec_context.time_base = 1 / rate  # what a held picture is stamped in (``hold``)
        if bit_rate:
            video.bit_rate = bit_rate
        video.codec_context.thread_type = "FRAME"
        graph = _scaler(in_v, rung)
    audio = None
    if in_a is not None:
        if in_a.codec_context.name == "aac":
            audio = out.add_stream_from_template(in_a)
        else:
            audio = out.add_stream("aac", rate=48000, layout="stereo")
            audio.bit_rate = rung.audio_bitrate
    holds = encoding.leaves_out_repeats and not copy
    return Output(rung, directory, out, video, audio, graph, copy, holds=holds)


def encode_scaled(output: Output, keyframe: bool | None, at: Fraction | None = None) -> None:
    """Encode and mux every picture the rung's scale graph has ready (``keyframe``: force the
    next one to be a keyframe; ``at``: its time in seconds, which a holding rung needs)."""
    while True:
        try:
            scaled = output.graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
        scaled.pict_type = (
            av.video.frame.PictureType.I if keyframe else av.video.frame.PictureType.NONE
        )
        if output.holds:
            assert at is not None, "a holding rung needs each picture's time"
            hold(output, scaled, at)
        else:
            _encode(output, scaled)


def hold(output: Output, picture: Any, at: Fraction) -> None:
    """Send the picture held so far, lasting until ``at`` (on the encoder's tick: the pass
    stamps it so), and hold ``picture``, stamped ``at``, in its place."""
    time_base = output.video.codec_context.time_base
    ticks = round(at / time_base)
    _send_held(output, until=ticks)
    picture.pts, picture.time_base = ticks, time_base
    output.held = picture


def finish_video(output: Output, end: Fraction) -> None:
    """The rung's last pictures: the one held (lasting until ``end``, in seconds) and what the
    encoder still has."""
    if output.graph is None:
        return
    output.graph.push(None)
    encode_scaled(output, None, end)
    if output.holds and output.held is not None:
        time_base = output.video.codec_context.time_base
        _send_held(output, until=max(output.held.pts + 1, round(end / time_base)))
    for packet in output.video.encode(None):
        _mux(output, packet)


def _send_held(output: Output, until: int) -> None:
    """The held picture to the encoder, lasting until ``until`` ticks, sent again as a repeat
    where it may not last that long (the module's bounds)."""
    held, output.held = output.held, None
    if held is None:
        return
    longest_hold = max(1, round(MAX_HOLD_SECONDS / held.time_base))
    while True:
        keyframe = held.pict_type == av.video.frame.PictureType.I
        longest = 1 if keyframe or output.sent < OPENING_PICTURES else longest_hold
        lasts = min(max(1, until - held.pts), longest)
        output.lasting[held.pts * held.time_base] = lasts * held.time_base
        _encode(output, held)
        output.sent += 1
        if held.pts + lasts >= until:
            return
        # x264 has copied the picture: the same frame goes again, later, as a repeat.
        held.pts, held.pict_type = held.pts + lasts, av.video.frame.PictureType.NONE


def _encode(output: Output, picture: Any) -> None:
    for packet in output.video.encode(picture):
        _mux(output, packet)


def _mux(output: Output, packet: Any) -> None:
    if not output.codecs_video:
        output.codecs_video = _avc1(bytes(packet))
    if output.holds and packet.pts is not None:
        seconds = output.lasting.pop(packet.pts * packet.time_base, None)
        if seconds is not None:
            packet.duration = round(seconds / packet.time_base)
    output.container.mux(packet)


def describe(output: Output) -> dict[str, Any]:
    """What the master playlist needs of a finished rendition."""
    width, height = _size(output)
    codecs = output.codecs_video or _avc1_extradata(output)
    return {
        "name": output.rung.name,
        "width": width,
        "height": height,
        "codecs": codecs + ("" if output.audio is None else f",{AAC}"),
    }


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
