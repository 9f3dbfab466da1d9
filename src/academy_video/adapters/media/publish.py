"""Publishing what the sandboxed pass left in the scratch directory, in the parent.

The child decoded an uploader's file, so nothing it wrote is trusted:

- its answer must have the shape of a pass's (``PassSummary``: rendition names, sizes and codecs
  of a bounded form);
- of each rendition's playlist only the segments are read (``seg_NNNNN.ts`` names and their
  lengths; any other line that is not a tag refuses the pass), and the playlist published is
  written here, with this video's key URI and IV: nothing the child wrote in a tag reaches a
  player;
- a segment must be a plain file of the rendition's directory (no symlink) and, when the video is
  encrypted, encrypted with this video's key (its first TS packets decrypt to TS sync bytes);
- the thumbnail must be a small JPEG; the master playlist and the key are the parent's own.

Then everything goes to storage file by file, master last, so no reader sees a master before
its renditions. ``BANDWIDTH`` is the peak segment's bitrate, ``AVERAGE-BANDWIDTH`` the mean;
each rendition the completion stores carries them with its total ``bytes``, ``seconds`` and
``segments``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import msgspec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from academy_video.app.ports import ObjectStorage, TranscodeFailed, TranscodeOutput
from academy_video.domain.video_storage import key_object, outputs_prefix

from .encode_pass import KEY_URI
from .opening import MAX_SIDE

MAX_RENDITIONS = 8
MAX_THUMBNAIL_BYTES = 4 * 1024 * 1024
MAX_PLAYLIST_BYTES = 16 * 1024 * 1024
_SEGMENT = re.compile(r"seg_[0-9]{5,6}\.ts")
TS_PACKET = 188


class Rendition(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2,4}p$")]
    width: Annotated[int, msgspec.Meta(ge=2, le=MAX_SIDE)]
    height: Annotated[int, msgspec.Meta(ge=2, le=MAX_SIDE)]
    codecs: Annotated[str, msgspec.Meta(pattern=r"^avc1\.[0-9a-f]{6}(,mp4a\.40\.2)?$")]


class PassSummary(msgspec.Struct, forbid_unknown_fields=True):
    duration: Annotated[float, msgspec.Meta(ge=0, le=10**6)]
    fps: Annotated[float, msgspec.Meta(gt=0, le=1000)]
    renditions: Annotated[list[Rendition], msgspec.Meta(min_length=1, max_length=MAX_RENDITIONS)]


@dataclass(frozen=True)
class Encryption:
    key: bytes
    iv: bytes


def summary_of(answer: object) -> PassSummary:
    """The child's answer, if it has the shape a pass gives; else ``TranscodeFailed``."""
    try:
        summary = msgspec.convert(answer, PassSummary)
    except msgspec.ValidationError:
        raise TranscodeFailed("packaging_failed: the pass answered in the wrong shape") from None
    names = [rendition.name for rendition in summary.renditions]
    if len(set(names)) != len(names):
        raise TranscodeFailed("packaging_failed: the pass named a rendition twice")
    return summary


def publish(
    storage: ObjectStorage,
    scratch: Path,
    *,
    tenant: str,
    video_id: int,
    encryption: Encryption | None,
    summary: PassSummary,
) -> TranscodeOutput:
    prefix = outputs_prefix(tenant, video_id)
    key_line = _key_line(video_id, encryption)
    renditions = []
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    segments_of: dict[str, list[tuple[str, float]]] = {}
    for rendition in summary.renditions:
        directory = scratch / rendition.name
        segments = segments_of[rendition.name] = _segments(directory / "index.m3u8")
        sizes = [8 * _size(directory / name, encryption) for name, _ in segments]
        peak = max(
            bits / max(seconds, 0.001) for bits, (_, seconds) in zip(sizes, segments, strict=True)
        )
        total_bits, total_seconds = sum(sizes), sum(seconds for _, seconds in segments)
        average = int(total_bits / max(total_seconds, 0.001))
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={int(peak)},AVERAGE-BANDWIDTH={average},"
            f"RESOLUTION={rendition.width}x{rendition.height},FRAME-RATE={summary.fps:.3f},"
            f'CODECS="{rendition.codecs}"'
        )
        lines.append(f"{rendition.name}/index.m3u8")
        renditions.append(
            {
                "name": rendition.name,
                "width": rendition.width,
                "height": rendition.height,
                "bandwidth": int(peak),
                "playlist": f"{prefix}{rendition.name}/index.m3u8",
                # The figures inspection and the console read (domain/ladder_figures.py);
                # completions stored before they were have none.
                "average_bandwidth": average,
                "bytes": total_bits // 8,
                "seconds": round(total_seconds, 3),
                "segments": len(segments),
            }
        )
        (directory / "published.m3u8").write_text(_playlist(segments, key_line))
    (scratch / "master.m3u8").write_text("\n".join(lines) + "\n")
    thumbnail = scratch / "thumbnail.jpg"
    _check_thumbnail(thumbnail)

    storage.delete_prefix(prefix)  # a retry replaces what an earlier attempt left
    for rendition in summary.renditions:
        directory = scratch / rendition.name
        for name, _ in segments_of[rendition.name]:
            storage.put_file(
                f"{prefix}{rendition.name}/{name}", directory / name, "video/mp2t", move=True
            )
        storage.put_file(
            f"{prefix}{rendition.name}/index.m3u8",
            directory / "published.m3u8",
            "application/vnd.apple.mpegurl",
        )
    storage.put_file(f"{prefix}thumbnail.jpg", thumbnail, "image/jpeg")
    if encryption is not None:
        key_file = scratch / "published.key"  # ours, not the child's copy
        key_file.write_bytes(encryption.key)
        storage.put_file(key_object(tenant, video_id), key_file, "application/octet-stream")
    storage.put_file(
        f"{prefix}master.m3u8", scratch / "master.m3u8", "application/vnd.apple.mpegurl"
    )
    return TranscodeOutput(
        hls_path=f"{prefix}master.m3u8",
        duration=round(summary.duration, 3),
        thumbnail_key=f"{prefix}thumbnail.jpg",
        renditions=renditions,
    )


def _segments(playlist: Path) -> list[tuple[str, float]]:
    """A rendition's segments and their lengths, read from the child's playlist, which may name
    nothing else (its tags are not read but for the lengths: the published playlist is ours)."""
    if (
        playlist.parent.is_symlink()
        or playlist.is_symlink()
        or not playlist.is_file()
        or playlist.stat().st_size > MAX_PLAYLIST_BYTES
    ):
        raise TranscodeFailed(f"packaging_failed: no playlist for {playlist.parent.name}")
    try:
        text = playlist.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise TranscodeFailed("packaging_failed: the playlist is not text") from None
    segments, seconds = [], 0.0
    for line in text.splitlines():
        if line.startswith("#EXTINF:"):
            seconds = _seconds(line)
        elif _SEGMENT.fullmatch(line):
            segments.append((line, seconds))
        elif line and not line.startswith("#"):
            raise TranscodeFailed("packaging_failed: the playlist names something else")
    if not segments:
        raise TranscodeFailed(f"no_segments for {playlist.parent.name}")
    return segments


def _playlist(segments: list[tuple[str, float]], key_line: str | None) -> str:
    target = max(1, math.ceil(max(seconds for _, seconds in segments)))
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        *([key_line] if key_line else []),
    ]
    for name, seconds in segments:
        lines += [f"#EXTINF:{seconds:.6f},", name]
    return "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"


def _key_line(video_id: int, encryption: Encryption | None) -> str | None:
    if encryption is None:
        return None
    uri = KEY_URI.format(video_id=video_id)
    return f'#EXT-X-KEY:METHOD=AES-128,URI="{uri}",IV=0x{encryption.iv.hex()}'


def _seconds(line: str) -> float:
    try:
        seconds = float(line.removeprefix("#EXTINF:").split(",")[0])
    except ValueError:
        raise TranscodeFailed("packaging_failed: a segment without a length") from None
    if not 0 <= seconds <= 3600:
        raise TranscodeFailed("packaging_failed: a segment without a length")
    return seconds


def _size(file: Path, encryption: Encryption | None) -> int:
    """The segment's size, once it is known to be a plain file, encrypted if it must be."""
    if file.is_symlink() or not file.is_file():
        raise TranscodeFailed(f"packaging_failed: segment {file.name} is missing")
    if encryption is not None and not _encrypted_with(file, encryption):
        raise TranscodeFailed(f"packaging_failed: segment {file.name} is not encrypted")
    return file.stat().st_size


def _encrypted_with(file: Path, encryption: Encryption) -> bool:
    """Whether the segment's first two TS packets decrypt, with this key and IV, to packets
    (each starts with the sync byte 0x47): a clear segment, or one under another key, fails."""
    with file.open("rb") as segment:
        head = segment.read(2 * TS_PACKET + 16)
    if len(head) < 16:
        return False
    whole = len(head) - len(head) % 16
    decryptor = Cipher(algorithms.AES(encryption.key), modes.CBC(encryption.iv)).decryptor()
    clear = decryptor.update(head[:whole])
    return clear[0] == 0x47 and (len(clear) <= TS_PACKET or clear[TS_PACKET] == 0x47)


def _check_thumbnail(path: Path) -> None:
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_THUMBNAIL_BYTES:
        raise TranscodeFailed("no_picture_for_thumbnail")
    with path.open("rb") as file:
        if file.read(2) != b"\xff\xd8":
            raise TranscodeFailed("no_picture_for_thumbnail")
