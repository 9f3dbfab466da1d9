"""A published caption track in the HLS chain (RFC 8216): a WebVTT media playlist cut into
segments of the video's segment length, and the master playlist's ``EXT-X-MEDIA`` line naming it.

Every segment maps its cue times to the video's MPEG-TS clock with ``X-TIMESTAMP-MAP``: every
rung the transcoder makes puts the source's time zero at PTS 126000 (1.4 s, FFmpeg's MPEG-TS
muxer with ``max_delay`` 0.7 s, the source's own times unshifted), which players map cues and
samples through alike; the old workers' FFmpeg CLI output starts there too, shifted by up to
two frames. A cue that spans a segment boundary is written in both segments (players drop the
repeat).

Playlist attributes are quoted strings, which have no escapes: a label loses ``"`` and every
control or format character (so a hostile label never ends its line or another attribute), and a
language tag must be a tag's characters."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from .caption_cues import Cue
from .caption_rules import to_webvtt

MPEGTS_START = (
    126_000  # where every rung puts the source's zero, at 90 kHz (test_subtitle_timestamps.py)
)
GROUP_ID = "subs"
MIN_SEGMENT_MS = 1_000
MAX_SEGMENTS = 100_000  # 27 hours at 1 s: more is a bug, never a real video
RENDITIONS_DIR = "subtitles/"
PLAYLIST_NAME = "index.m3u8"
TIMESTAMP_MAP = f"X-TIMESTAMP-MAP=MPEGTS:{MPEGTS_START},LOCAL:00:00:00.000"
_TAG = re.compile(r"[A-Za-z0-9-]{1,35}")
_OURS = re.compile(rf'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{GROUP_ID}",')
_GROUP_ATTRIBUTE = f',SUBTITLES="{GROUP_ID}"'
_CAPTIONS_CHARACTERISTICS = (
    "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"
)


@dataclass(frozen=True)
class SubtitleRendition:
    """What the master says of one published track; ``uri`` relative to the master."""

    language: str
    label: str
    kind: str
    default: bool
    uri: str


def rendition_dir(language: str, file_key: str) -> str:
    """A track's segments, relative to the video's output prefix: one directory per file
    version (its name is the file's, ``v{n}-{token}``: unguessable, so a later draft's never is
    known before it is published)."""
    name = file_key.rsplit("/", 1)[-1].removesuffix(".vtt")
    return f"{RENDITIONS_DIR}{language_attribute(language)}/{name}/"


def language_attribute(tag: str) -> str:
    if not _TAG.fullmatch(tag):
        raise ValueError(f"not a language tag: {tag!r}")
    return tag


def quoted_attribute(value: str) -> str:
    """``value`` as a quoted-string's content: no ``"``, no control, format or line/paragraph
    separator character (RFC 8216 4.2 allows no escape); never empty."""
    kept = "".join(
        "'" if ch == '"' else ch
        for ch in value
        if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in ("Zl", "Zp")
    )
    return kept.strip() or "?"


def media_line(rendition: SubtitleRendition) -> str:
    attributes = [
        "TYPE=SUBTITLES",
        f'GROUP-ID="{GROUP_ID}"',
        f'LANGUAGE="{language_attribute(rendition.language)}"',
        f"DEFAULT={'YES' if rendition.default else 'NO'}",
        "AUTOSELECT=YES",
        "FORCED=NO",
    ]
    if rendition.kind == "captions":
        attributes.append(f'CHARACTERISTICS="{_CAPTIONS_CHARACTERISTICS}"')
    attributes.append(f'URI="{rendition.uri}"')
    attributes.append(f'NAME="{quoted_attribute(rendition.label)}"')  # last: see module doc
    return "#EXT-X-MEDIA:" + ",".join(attributes)


def with_subtitles(master: str, renditions: Sequence[SubtitleRendition]) -> str:
    """``master`` naming exactly ``renditions``: the lines this module wrote before are taken
    out first, so writing it again for the same tracks changes nothing."""
    lines = [line for line in master.splitlines() if not _OURS.match(line)]
    lines = [line.replace(_GROUP_ATTRIBUTE, "") for line in lines]
    if not renditions:
        return "\n".join(lines) + "\n"
    first_variant = next(
        (i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF:")), len(lines)
    )
    out = lines[:first_variant] + [media_line(r) for r in renditions]
    for line in lines[first_variant:]:
        if line.startswith("#EXT-X-STREAM-INF:"):
            line += _GROUP_ATTRIBUTE
        out.append(line)
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class SegmentedTrack:
    playlist: str  # the media playlist, naming ``segments`` by their names
    segments: list[tuple[str, str]]  # (file name, WebVTT text)


def segment_track(cues: Sequence[Cue], *, segment_ms: int, duration_ms: int) -> SegmentedTrack:
    """The track cut into segments of ``segment_ms`` covering the video (``duration_ms``, or
    the last cue's end if later)."""
    segment_ms = max(segment_ms, MIN_SEGMENT_MS)
    total = max(duration_ms, max((c.end_ms for c in cues), default=0), 1)
    count = math.ceil(total / segment_ms)
    if count > MAX_SEGMENTS:
        raise ValueError(f"too many subtitle segments: {count}")
    buckets: list[list[Cue]] = [[] for _ in range(count)]
    for cue in cues:
        last = min(count - 1, max(cue.end_ms - 1, cue.start_ms) // segment_ms)
        for index in range(cue.start_ms // segment_ms, last + 1):
            buckets[index].append(cue)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(segment_ms / 1000)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    segments = []
    for index, bucket in enumerate(buckets):
        name = f"seg_{index:05d}.vtt"
        length = min(segment_ms, total - index * segment_ms)
        lines += [f"#EXTINF:{length / 1000:.3f},", name]
        text = to_webvtt(bucket).replace("WEBVTT\n", f"WEBVTT\n{TIMESTAMP_MAP}\n", 1)
        segments.append((name, text))
    lines.append("#EXT-X-ENDLIST")
    return SegmentedTrack("\n".join(lines) + "\n", segments)
