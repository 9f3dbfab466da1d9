"""A hostile corpus, made by the tests: sources an attacker would upload to reach other tenants'
media, the service's network or its memory, and a mutational fuzz of a valid MP4.

Each file names, in the ways FFmpeg would follow, a published segment of another tenant (by a
path relative to where sources are stored, an absolute path, a ``file://`` URL) and a listener on
127.0.0.1 that records every connection (as an internal address or cloud metadata would be hit).
"""

from __future__ import annotations

import io
import random
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

# Where an uploaded source lies (videos/{tenant}/{session}/{uuid}.{ext}): three levels under the
# storage root, so ``../../../`` is the root itself.
TO_ROOT = "../../../"
# What a refused source may be told: a playlist or script is refused by name or by content.
PLAYLIST_REASONS = {"unsupported_format", "unreadable"}


@dataclass(frozen=True)
class Hostile:
    name: str
    filename: str  # what the uploader calls it (its extension reaches the storage key)
    content: bytes
    reasons: frozenset[str]  # what the probe may answer


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    port: int
    connections: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def listening() -> Iterator[Listener]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    listener = Listener(server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            listener.connections.append(f"{address[0]}:{address[1]}")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join()
        server.close()


def corpus(root: Path, victim_segment: str, listener: Listener) -> list[Hostile]:
    """``victim_segment``: another tenant's published segment, as a key under ``root``."""
    relative = TO_ROOT + victim_segment
    absolute = str(root / victim_segment)
    http = f"{listener.url}/seg_00000.ts"
    playlists = {
        "relative": relative,
        "absolute": absolute,
        "file_url": f"file://{absolute}",
        "http": http,
    }
    cases = []
    for kind, entry in playlists.items():
        text = _playlist(entry).encode()
        cases.append(Hostile(f"hls_{kind}", "lecture.m3u8", text, frozenset(PLAYLIST_REASONS)))
        cases.append(
            Hostile(f"hls_{kind}_as_mp4", "lecture.mp4", text, frozenset(PLAYLIST_REASONS))
        )
        concat = f"ffconcat version 1.0\nfile '{entry}'\n".encode()
        cases.append(
            Hostile(f"concat_{kind}", "lecture.ffconcat", concat, frozenset(PLAYLIST_REASONS))
        )
    sdp = (
        "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=lecture\nc=IN IP4 127.0.0.1\nt=0 0\n"
        f"m=video {listener.port} RTP/AVP 96\na=rtpmap:96 H264/90000\n"
    )
    cases.append(Hostile("sdp", "lecture.sdp", sdp.encode(), frozenset(PLAYLIST_REASONS)))
    cases.append(
        Hostile("jpeg_image", "lecture.jpg", jpeg(64, 64), frozenset({"unsupported_format"}))
    )
    return cases


def _playlist(entry: str) -> str:
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:8\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:8.0,\n{entry}\n#EXT-X-ENDLIST\n"
    )


def jpeg(width: int, height: int) -> bytes:
    """One grey JPEG picture."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mjpeg") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        frame = av.VideoFrame(width, height, "yuvj420p")
        for plane in frame.planes:
            plane.update(bytes([128]) * plane.buffer_size)
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buffer.getvalue()


def huge_frames(path: Path, side: int = 9000, frames: int = 25) -> Path:
    """Matroska whose pictures really are ``side``×``side`` (MJPEG of a flat grey: a few kB each,
    a decoder would allocate ~120 MB per picture at 9000), its header declaring 64×64."""
    return mjpeg_matroska(path, [jpeg(side, side)] * frames, declared=(64, 64))


def mjpeg_matroska(path: Path, pictures: list[bytes], declared: tuple[int, int]) -> Path:
    """Matroska of the JPEG ``pictures`` at 25 a second, whose header declares ``declared``."""
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("mjpeg", rate=25)
        stream.width, stream.height = declared
        stream.pix_fmt = "yuvj420p"
        stream.time_base = Fraction(1, 25)
        for index, picture in enumerate(pictures):
            packet = av.Packet(picture)
            packet.pts = packet.dts = index
            packet.duration = 1
            packet.time_base = Fraction(1, 25)
            packet.is_keyframe = True
            packet.stream = stream
            out.mux(packet)
    return path


def mutations(valid: bytes, count: int, seed: int = 17) -> Iterator[tuple[str, bytes]]:
    """``count`` mutants of ``valid``, reproducible from ``seed``: bytes flipped, runs zeroed or
    duplicated, chunks cut out or spliced in, sizes of boxes set to extremes, truncations."""
    rng = random.Random(seed)
    for index in range(count):
        data = bytearray(valid)
        kind = rng.choice(["flip", "zero", "duplicate", "cut", "splice", "size", "truncate"])
        at = rng.randrange(len(data))
        span = rng.randint(1, 256)
        if kind == "flip":
            for _ in range(rng.randint(1, 32)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif kind == "zero":
            data[at : at + span] = bytes(len(data[at : at + span]))
        elif kind == "duplicate":
            data[at:at] = data[at : at + span] * rng.randint(2, 64)
        elif kind == "cut":
            del data[at : at + span * 16]
        elif kind == "splice":
            data[at:at] = rng.randbytes(span)
        elif kind == "size":
            box = max(0, data.find(rng.choice([b"moov", b"trak", b"stsz", b"stco", b"mdat"])) - 4)
            data[box : box + 4] = rng.choice(
                [b"\xff\xff\xff\xff", b"\x00\x00\x00\x01", b"\x00\x00\x00\x00"]
            )
        else:
            del data[rng.randrange(1, len(data)) :]
        yield f"{index:04d}-{kind}", bytes(data)


def external_reference(mov: bytes, path: str) -> bytes:
    """``mov`` (an MP4 whose index is at the end) with its track's data reference replaced by a
    Macintosh alias naming ``path``: a demuxer that follows data references reads the track's
    samples from that file (FFmpeg does with ``enable_drefs``)."""
    data = bytearray(mov)
    chain = _box_path(data, [b"moov", b"trak", b"mdia", b"minf", b"dinf", b"dref"])
    dref = chain[-1][0]
    entry = dref + 16  # the full box header and its entry count
    old_size = struct.unpack(">I", data[entry : entry + 4])[0]
    volume, name = b"vol", b"lecture"
    record = (  # FFmpeg's mov_read_dref: 150 bytes of alias record, then typed fields
        bytes(10)
        + bytes([len(volume)])
        + volume.ljust(27, b"\0")
        + bytes(12)
        + bytes([len(name)])
        + name.ljust(63, b"\0")
        + bytes(16)
        + struct.pack(">HH", 0, 0)  # no relative levels: the absolute path is the name
        + bytes(16)
    )
    target = path.encode() + (b"\0" if len(path.encode()) % 2 else b"")
    fields = struct.pack(">HH", 2, len(target)) + target + struct.pack(">hH", -1, 0)
    body = b"alis" + bytes(4) + record + fields
    new = struct.pack(">I", 4 + len(body)) + body
    data[entry : entry + old_size] = new
    for offset, size in chain:  # the boxes around it grow by as much
        data[offset : offset + 4] = struct.pack(">I", size + len(new) - old_size)
    return bytes(data)


def header_says_one_tick(path: Path) -> Path:
    """``path`` (an MP4 of one video track, version-0 boxes) rewritten in place so that its
    movie, track and media headers all give a duration of one tick, whatever its samples say."""
    data = bytearray(path.read_bytes())
    for names, at in (
        ([b"moov", b"mvhd"], 24),
        ([b"moov", b"trak", b"tkhd"], 28),
        ([b"moov", b"trak", b"mdia", b"mdhd"], 24),
    ):
        offset, _ = _box_path(data, names)[-1]
        assert data[offset + 8] == 0, "a version-0 box"
        data[offset + at : offset + at + 4] = struct.pack(">I", 1)
    path.write_bytes(data)
    return path


def _box_path(data: bytearray, names: list[bytes]) -> list[tuple[int, int]]:
    """(offset, size) of each box along ``names``, each inside the one before."""
    start, end, chain = 0, len(data), []
    for name in names:
        offset = start
        while offset < end:
            size, kind = struct.unpack(">I4s", data[offset : offset + 8])
            if kind == name:
                break
            offset += size
        else:
            raise KeyError(name)
        chain.append((offset, size))
        start, end = offset + (16 if name == b"dref" else 8), offset + size
    return chain


def growing_frames(path: Path, side: int = 9000) -> Path:
    """Matroska of 320×240 MJPEG pictures for two seconds, then a second of ``side``×``side``
    ones: what the header and the first pictures say passes every check made at opening."""
    small, big = jpeg(320, 240), jpeg(side, side)
    return mjpeg_matroska(path, [small] * 50 + [big] * 25, declared=(320, 240))
