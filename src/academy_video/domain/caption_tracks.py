"""A video's caption tracks: their state, the rules of their commands, and where their files
live. The Video aggregate records the events (``video.py``); what each event does to the tracks
is ``CaptionTracks.apply``, and what a command may do is a ``check_*`` here.

A track per language: a label, a kind (``subtitles``/``captions``), at most one default per
video, a source (``uploaded``, or ``auto`` from the recogniser) and a status. An uploaded track is
a DRAFT until published; an auto track is PROCESSING until its cues come (DRAFT) or it fails
(FAILED, with a reason; the video itself stays as it was). Each file a track had is kept under
its own version (``caption_key``): a new file never overwrites one a playlist may still name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate

from .errors import DomainError, InvalidValue

MAX_TRACKS = 20  # languages per video
MAX_LABEL_CHARS = 100
MAX_FAILURE_CHARS = 500
_TOKEN = re.compile(r"[a-z0-9]{0,32}")


class CaptionKind(StrEnum):
    SUBTITLES = "subtitles"  # the words, for who cannot follow the language
    CAPTIONS = "captions"  # the words and the sounds, for who cannot hear


class CaptionSource(StrEnum):
    UPLOADED = "uploaded"
    AUTO = "auto"


class CaptionStatus(StrEnum):
    PROCESSING = "processing"  # an auto track, its recogniser at work
    DRAFT = "draft"  # staff only
    PUBLISHED = "published"  # shown to students who may play the video
    FAILED = "failed"  # an auto track whose recogniser failed (``reason``)


class CaptionNotFound(DomainError):
    """No track in that language (contract: 404 ``not_found``)."""

    code = "not_found"


class CaptionConflict(DomainError):
    """The track's state does not allow it (contract: 409 with the code)."""


@dataclass(frozen=True)
class CaptionTrack:
    language: str
    label: str
    kind: str
    source: str
    status: str
    version: int = 0  # of its file (0: none yet)
    file_key: str = ""
    cue_count: int = 0
    reason: str = ""  # why an auto track failed
    default: bool = False


@dataclass(frozen=True)
class CaptionTracks:
    """Immutable: each event gives the aggregate a new value (``apply``)."""

    tracks: tuple[CaptionTrack, ...] = ()
    last_version: int = 0  # file versions are never reused within a video

    def find(self, language: str) -> CaptionTrack | None:
        return next((t for t in self.tracks if t.language == language), None)

    def get(self, language: str) -> CaptionTrack:
        track = self.find(language)
        if track is None:
            raise CaptionNotFound()
        return track

    @property
    def next_version(self) -> int:
        return self.last_version + 1

    # What a command may do -----------------------------------------------------------------

    def check_new(self, language: str, label: str, kind: str) -> None:
        if self.find(language) is not None:
            raise CaptionConflict("caption_exists", f"caption_exists: {language}")
        if len(self.tracks) >= MAX_TRACKS:
            raise CaptionConflict("too_many_captions", f"too_many_captions: {MAX_TRACKS}")
        check_label(label)
        check_kind(kind)

    def check_file(self, version: int, cue_count: int) -> None:
        """A new file's version is the next one (another write in between: try again)."""
        if version != self.next_version:
            raise CaptionConflict("concurrent_update")
        if cue_count < 1:
            raise InvalidValue("caption_empty", "caption_empty: no cues")

    def check_replaceable(self, language: str) -> CaptionTrack:
        track = self.get(language)
        if track.status == CaptionStatus.PROCESSING:
            raise CaptionConflict("caption_processing", "caption_processing: wait or remove it")
        return track

    def check_auto(self, language: str, label: str, kind: str) -> None:
        """A new auto track, or another try of an auto one that failed."""
        track = self.find(language)
        if track is None:
            self.check_new(language, label, kind)
        elif track.source != CaptionSource.AUTO or track.status != CaptionStatus.FAILED:
            raise CaptionConflict("caption_exists", f"caption_exists: {language}")
        check_label(label)
        check_kind(kind)

    def check_processing(self, language: str) -> CaptionTrack:
        track = self.get(language)
        if track.status != CaptionStatus.PROCESSING:
            raise CaptionConflict("caption_not_processing")
        return track

    def check_publishable(self, language: str) -> CaptionTrack:
        track = self.get(language)
        if track.status not in (CaptionStatus.DRAFT, CaptionStatus.PUBLISHED):
            raise CaptionConflict("caption_not_ready", f"caption_not_ready: {track.status}")
        return track

    def check_editable(self, language: str) -> CaptionTrack:
        return self.check_publishable(language)

    def check_change(self, language: str, label: str, kind: str) -> bool:
        """Whether the label or kind really change (both checked)."""
        track = self.get(language)
        check_label(label)
        check_kind(kind)
        return (label, kind) != (track.label, track.kind)

    # What each event does --------------------------------------------------------------------

    def apply(self, name: str, event: Any) -> CaptionTracks:
        language = event.language
        if name == "CaptionAdded":
            track = CaptionTrack(
                language, event.label, event.kind, CaptionSource.UPLOADED, CaptionStatus.DRAFT
            )
            return self._put(_with_file(track, event), event.version)
        if name == "CaptionRequested":
            new = CaptionTrack(
                language, event.label, event.kind, CaptionSource.AUTO, CaptionStatus.PROCESSING
            )
            old = self.find(language)
            return self._put(new if old is None else replace(new, default=old.default))
        track = self.get(language)
        if name == "CaptionReplaced":
            status = CaptionStatus.PUBLISHED if track.status == "published" else "draft"
            track = replace(track, source=CaptionSource.UPLOADED, status=status, reason="")
            return self._put(_with_file(track, event), event.version)
        if name == "CaptionTranscribed":
            return self._put(_with_file(replace(track, status="draft"), event), event.version)
        if name == "CaptionCuesEdited":
            return self._put(_with_file(track, event), event.version)
        if name == "CaptionFailed":
            return self._put(replace(track, status=CaptionStatus.FAILED, reason=event.reason))
        if name == "CaptionChanged":
            return self._put(replace(track, label=event.label, kind=event.kind))
        if name in ("CaptionPublished", "CaptionUnpublished"):
            published = name == "CaptionPublished"
            return self._put(replace(track, status="published" if published else "draft"))
        if name == "CaptionDefaultSet":
            return self._with_default(language if event.default else "")
        if name == "CaptionRemoved":
            return replace(self, tracks=tuple(t for t in self.tracks if t.language != language))
        raise ValueError(f"not a caption event: {name}")

    def _put(self, track: CaptionTrack, version: int = 0) -> CaptionTracks:
        others = [t for t in self.tracks if t.language != track.language]
        tracks = tuple(sorted([*others, track], key=lambda t: t.language))
        return CaptionTracks(tracks, max(self.last_version, version))

    def _with_default(self, language: str) -> CaptionTracks:
        tracks = tuple(replace(t, default=t.language == language) for t in self.tracks)
        return replace(self, tracks=tracks)


def _with_file(track: CaptionTrack, event: Any) -> CaptionTrack:
    return replace(track, version=event.version, file_key=event.file_key, cue_count=event.cue_count)


class CaptionEvent(Aggregate.Event):
    """The base of the Video's caption events (each declared in ``Video``'s body, so its
    stored topic is ``…video:Video.<Name>``): they all change only ``Video.captions``."""

    language: str

    def apply(self, aggregate: Any) -> None:
        name = type(self).__qualname__.rsplit(".", 1)[-1]
        aggregate.captions = aggregate.captions.apply(name, self)


def check_label(label: str) -> None:
    if not label.strip() or len(label) > MAX_LABEL_CHARS:
        raise InvalidValue("label", f"label: 1 to {MAX_LABEL_CHARS} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in label):
        raise InvalidValue("label", "label: a control character")


def check_kind(kind: str) -> None:
    if kind not in tuple(CaptionKind):
        raise InvalidValue("kind", "kind: subtitles or captions")


def caption_failure_reason(reason: str) -> str:
    return (reason.strip() or "unknown")[:MAX_FAILURE_CHARS]


def captions_prefix(tenant: str, video_id: int) -> str:
    """Where a video's caption files live: beside its outputs (``hls/{tenant}/videos/{id}/``),
    not under them, as its AES key is: a media URL scoped to the outputs must not reach a
    draft. Removed with the video."""
    return f"captions/{tenant}/videos/{video_id}/"


def caption_key(tenant: str, video_id: int, language: str, version: int, token: str = "") -> str:
    """One file of one track, normalised WebVTT. ``token`` (lower-case letters and digits)
    makes the key its writer's own: two uploads racing for the same version each write their
    own file, and the one whose event loses removes only its own."""
    if _TOKEN.fullmatch(token) is None:
        raise InvalidValue("token", "token: up to 32 lower-case letters and digits")
    return (
        f"{captions_prefix(tenant, video_id)}{language}/v{version}{'-' if token else ''}{token}.vtt"
    )
