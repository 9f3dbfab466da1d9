"""Publishing what the sandboxed pass left in the scratch directory, in the parent.

The child decoded an uploader's file, so nothing it wrote is trusted: its answer is checked
against ``PassSummary`` (names, sizes, codecs of a bounded shape), each rendition's playlist may
name only its own segments (``seg_NNNNN.ts``) and this video's key URI, and the thumbnail must be
a small JPEG. Then the master playlist is written here, with ``BANDWIDTH`` (the peak segment) and
``AVERAGE-BANDWIDTH`` from the segments' real sizes, and everything goes to storage file by file,
master last, so no reader sees a master before its renditions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import msgspec

from academy_video.app.ports import ObjectStorage, TranscodeFailed, TranscodeOutput
from academy_video.domain.video import key_object, outputs_prefix

from .encode_pass import KEY_URI
from .opening import MAX_SIDE

MAX_RENDITIONS = 8
MAX_THUMBNAIL_BYTES = 4 * 1024 * 1024
MAX_PLAYLIST_BYTES = 16 * 1024 * 1024
_SEGMENT = re.compile(r"seg_[0-9]{5,6}\.ts")
_URI = re.compile(r'URI="([^"]*)"')
_ALLOWED_TAGS = (
    "#EXTM3U",
    "#EXT-X-VERSION:",
    "#EXT-X-TARGETDURATION:",
    "#EXT-X-MEDIA-SEQUENCE:",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    "#EXT-X-INDEPENDENT-SEGMENTS",
    "#EXT-X-KEY:",
    "#EXTINF:",
    "#EXT-X-ENDLIST",
)


class Rendition(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2,4}p$")]
    width: Annotated[int, msgspec.Meta(ge=2, le=MAX_SIDE)]
    height: Annotated[int, msgspec.Meta(ge=2, le=MAX_SIDE)]
    codecs: Annotated[str, msgspec.Meta(pattern=r"^avc1\.[0-9a-f]{6}(,mp4a\.40\.2)?$")]


class PassSummary(msgspec.Struct, forbid_unknown_fields=True):
    duration: Annotated[float, msgspec.Meta(ge=0, le=10**6)]
    fps: Annotated[float, msgspec.Meta(gt=0, le=1000)]
    renditions: Annotated[list[Rendition], msgspec.Meta(min_length=1, max_length=MAX_RENDITIONS)]


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
    key: bytes | None,
    summary: PassSummary,
) -> TranscodeOutput:
    prefix = outputs_prefix(tenant, video_id)
    key_uri = KEY_URI.format(video_id=video_id) if key is not None else None
    renditions = []
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    segment_files: dict[str, list[Path]] = {}
    for rendition in summary.renditions:
        directory = scratch / rendition.name
        segments = list(_segments(directory / "index.m3u8", key_uri))
        if not segments:
            raise TranscodeFailed(f"no_segments for {rendition.name}")
        files = [directory / name for name, _ in segments]
        sizes = [8 * _size(file) for file in files]
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
            }
        )
        segment_files[rendition.name] = files
    (scratch / "master.m3u8").write_text("\n".join(lines) + "\n")
    thumbnail = scratch / "thumbnail.jpg"
    _check_thumbnail(thumbnail)

    storage.delete_prefix(prefix)  # a retry replaces what an earlier attempt left
    for name, files in segment_files.items():
        for file in files:
            storage.put_file(f"{prefix}{name}/{file.name}", file, "video/mp2t", move=True)
        storage.put_file(
            f"{prefix}{name}/index.m3u8",
            scratch / name / "index.m3u8",
            "application/vnd.apple.mpegurl",
        )
    storage.put_file(f"{prefix}thumbnail.jpg", thumbnail, "image/jpeg")
    if key is not None:
        key_file = scratch / "published.key"  # ours, not the child's copy
        key_file.write_bytes(key)
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


def _segments(playlist: Path, key_uri: str | None) -> Iterator[tuple[str, float]]:
    """A rendition's segments and their lengths, from a playlist that may name nothing else."""
    if (
        playlist.parent.is_symlink()
        or playlist.is_symlink()
        or not playlist.is_file()
        or playlist.stat().st_size > MAX_PLAYLIST_BYTES
    ):
        raise TranscodeFailed(f"packaging_failed: no playlist for {playlist.parent.name}")
    seconds = 0.0
    for line in playlist.read_text(errors="replace").splitlines():
        if not line:
            continue
        if line.startswith("#"):
            if not line.startswith(_ALLOWED_TAGS) or any(
                uri != key_uri for uri in _URI.findall(line)
            ):
                raise TranscodeFailed("packaging_failed: the playlist names something else")
            if line.startswith("#EXTINF:"):
                seconds = _seconds(line)
        elif _SEGMENT.fullmatch(line):
            yield line, seconds
        else:
            raise TranscodeFailed("packaging_failed: the playlist names something else")


def _seconds(line: str) -> float:
    try:
        seconds = float(line.removeprefix("#EXTINF:").split(",")[0])
    except ValueError:
        raise TranscodeFailed("packaging_failed: a segment without a length") from None
    if not 0 <= seconds <= 3600:
        raise TranscodeFailed("packaging_failed: a segment without a length")
    return seconds


def _size(file: Path) -> int:
    if file.is_symlink() or not file.is_file():
        raise TranscodeFailed(f"packaging_failed: segment {file.name} is missing")
    return file.stat().st_size


def _check_thumbnail(path: Path) -> None:
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_THUMBNAIL_BYTES:
        raise TranscodeFailed("no_picture_for_thumbnail")
    with path.open("rb") as file:
        if file.read(2) != b"\xff\xd8":
            raise TranscodeFailed("no_picture_for_thumbnail")
