"""Caption tracks: staff upload, replace, edit, publish and remove them; the auto-caption step
requests one and records its cues or its failure.

Each file is stored first, under the version the track will name (``caption_key``), then the
event is saved; a refused or conflicting save removes the file it wrote, and a saved one removes
the file it replaced (a storage failure there is logged: an orphan, never a track without
its file).
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from academy_video.domain.caption_cues import Cue
from academy_video.domain.caption_language import canonical_language
from academy_video.domain.caption_rules import (
    MAX_CUE_EDITS,
    cue_text_problem,
    first_cue_problem,
    to_webvtt,
    video_end_ms,
)
from academy_video.domain.caption_tracks import (
    CaptionConflict,
    CaptionTrack,
    caption_key,
    check_kind,
    check_label,
)
from academy_video.domain.video import Video

from .errors import Conflict, Invalid
from .ports import CaptionParser, ObjectStorage
from .subtitle_renditions import SubtitleRenditions
from .videos import Videos

log = logging.getLogger(__name__)

VTT_TYPE = "text/vtt; charset=utf-8"
T = TypeVar("T")


@dataclass(frozen=True)
class CueEdit:
    index: int  # from 0, in the track's current file
    text: str


@dataclass(frozen=True)
class CaptionChange:
    """What a PATCH changes; None leaves it as it is."""

    label: str | None = None
    kind: str | None = None
    default: bool | None = None
    published: bool | None = None
    edits: tuple[CueEdit, ...] = ()


class CaptionService:
    def __init__(
        self,
        *,
        videos: Videos,
        storage: ObjectStorage,
        parser: CaptionParser,
        renditions: SubtitleRenditions | None = None,  # the HLS chain's; None: not served
    ) -> None:
        self.videos = videos
        self.storage = storage
        self.parser = parser
        self.renditions = renditions

    def tracks(self, *, tenant: str, video_id: int) -> list[CaptionTrack]:
        return list(self.videos.get(video_id, tenant=tenant).captions.tracks)

    def track(self, *, tenant: str, video_id: int, language: str) -> CaptionTrack:
        video = self.videos.get(video_id, tenant=tenant)
        return video.captions.get(canonical_language(language))

    def upload(
        self,
        *,
        tenant: str,
        video_id: int,
        data: bytes,
        language: str,
        label: str,
        kind: str,
        replace: bool = False,
    ) -> CaptionTrack:
        """A new track from a WebVTT or SubRip file (``replace``: a new file for an existing
        one; without it an existing language is ``caption_exists``). ``Invalid`` naming the
        file's line for anything the parser or the cue rules refuse."""
        language = canonical_language(language)
        check_label(label)
        check_kind(kind)
        video = self.videos.get(video_id, tenant=tenant)
        existing = video.captions.find(language)
        if existing is None:
            video.captions.check_new(language, label, kind)
        elif not replace:
            raise CaptionConflict("caption_exists", f"caption_exists: {language}")
        else:
            video.captions.check_replaceable(language)
        parsed = self.parser.parse(data)
        problem = first_cue_problem(parsed.cues, self._end_ms(video))
        if problem is not None:
            index, reason = problem
            line = parsed.lines[min(index, len(parsed.lines) - 1)]
            raise Invalid("invalid_caption", f"invalid_caption: line {line}: {reason}")
        if existing is not None:
            self._write(
                video,
                language,
                parsed.cues,
                lambda v, file: v.replace_caption(
                    language=language, version=file[0], token=file[1], cue_count=len(parsed.cues)
                ),
            )
            self._apply(
                video_id, lambda v: v.change_caption(language=language, label=label, kind=kind)
            )
        else:
            self._write(
                video,
                language,
                parsed.cues,
                lambda v, file: v.add_caption(
                    language=language,
                    label=label,
                    kind=kind,
                    version=file[0],
                    token=file[1],
                    cue_count=len(parsed.cues),
                ),
            )
        return self.track(tenant=tenant, video_id=video_id, language=language)

    def change(
        self, *, tenant: str, video_id: int, language: str, change: CaptionChange
    ) -> CaptionTrack:
        """Label and kind, the default flag, published or not, and cue texts by index, in
        that order (a refused part leaves the parts after it undone)."""
        language = canonical_language(language)
        video = self.videos.get(video_id, tenant=tenant)
        track = video.captions.get(language)
        if change.edits:
            self._edit_cues(video, track, change.edits)
        if change.label is not None or change.kind is not None:
            label = track.label if change.label is None else change.label
            kind = track.kind if change.kind is None else change.kind
            self._apply(
                video_id, lambda v: v.change_caption(language=language, label=label, kind=kind)
            )
        if change.default is not None:
            default = change.default
            self._apply(video_id, lambda v: v.set_default_caption(language, default=default))
        if change.published is not None:
            published = change.published
            self._apply(video_id, lambda v: v.publish_caption(language, published=published))
        return self.track(tenant=tenant, video_id=video_id, language=language)

    def remove(self, *, tenant: str, video_id: int, language: str) -> None:
        language = canonical_language(language)
        self.videos.get(video_id, tenant=tenant)
        removed = self._apply(video_id, lambda v: v.remove_caption(language))
        self._forget(removed)
        if self.renditions is not None:
            self.renditions.sync(video_id, gone=language)

    def file(self, *, tenant: str, video_id: int, language: str) -> bytes:
        """The track's normalised WebVTT (staff's view: a draft too)."""
        track = self.track(tenant=tenant, video_id=video_id, language=language)
        if not track.file_key:
            raise Conflict("caption_not_ready", f"caption_not_ready: {track.status}")
        with self.storage.open(track.file_key) as stored:
            return stored.read()

    # The auto-caption step's side ---------------------------------------------------------

    def request_auto(
        self, *, tenant: str, video_id: int, language: str, label: str, kind: str
    ) -> CaptionTrack:
        """A track the recogniser is to fill: PROCESSING until ``record_auto`` or
        ``fail_auto``."""
        language = canonical_language(language)
        self.videos.get(video_id, tenant=tenant)
        self._apply(
            video_id,
            lambda v: v.request_auto_caption(language=language, label=label, kind=kind),
        )
        return self.track(tenant=tenant, video_id=video_id, language=language)

    def record_auto(self, *, video_id: int, language: str, cues: Sequence[Cue]) -> None:
        """The recogniser's cues, checked by the same rules as an uploaded file's."""
        video = self.videos.get(video_id)
        problem = first_cue_problem(cues, self._end_ms(video))
        if problem is not None:
            index, reason = problem
            raise Invalid("invalid_caption", f"invalid_caption: cue {index}: {reason}")
        self._write(
            video,
            language,
            list(cues),
            lambda v, file: v.record_auto_caption(
                language=language, version=file[0], token=file[1], cue_count=len(cues)
            ),
        )

    def fail_auto(self, *, video_id: int, language: str, reason: str) -> None:
        self._apply(video_id, lambda v: v.fail_auto_caption(language=language, reason=reason))

    # Steps --------------------------------------------------------------------------------

    def _edit_cues(self, video: Video, track: CaptionTrack, edits: Sequence[CueEdit]) -> None:
        if len(edits) > MAX_CUE_EDITS:
            raise Invalid("edits", f"edits: at most {MAX_CUE_EDITS}")
        video.captions.check_editable(track.language)
        with self.storage.open(track.file_key) as stored:
            cues = self.parser.parse(stored.read()).cues
        for edit in edits:
            if not 0 <= edit.index < len(cues):
                raise Invalid("edits", f"edits: cue {edit.index}: no such cue")
            text = edit.text.replace("\r\n", "\n")
            problem = cue_text_problem(text)
            if problem is not None:
                raise Invalid("edits", f"edits: cue {edit.index}: {problem}")
            cues[edit.index] = Cue(cues[edit.index].start_ms, cues[edit.index].end_ms, text)
        recorded = [{"index": e.index, "text": cues[e.index].text} for e in edits]
        self._write(
            video,
            track.language,
            cues,
            lambda v, file: v.edit_caption_cues(
                language=track.language, edits=recorded, version=file[0], token=file[1]
            ),
        )

    def _write(
        self,
        video: Video,
        language: str,
        cues: Sequence[Cue],
        record: Callable[[Video, tuple[int, str]], object],
    ) -> None:
        """Store the file under the next version, then record it; a refused record removes
        the file, a saved one the file it replaced."""
        version, token = video.captions.next_version, uuid.uuid4().hex[:12]
        key = caption_key(video.tenant, video.video_id, language, version, token)
        self._store(key, to_webvtt(cues).encode("utf-8"))
        old = video.captions.find(language)
        try:
            self._apply(video.video_id, lambda v: record(v, (version, token)))
        except Exception:
            self._forget(key)
            raise
        if old is not None and old.file_key != key:
            self._forget(old.file_key)

    def _store(self, key: str, body: bytes) -> None:
        handle, name = tempfile.mkstemp(suffix=".vtt")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            self.storage.put_file(key, Path(name), VTT_TYPE, move=True)
        finally:
            Path(name).unlink(missing_ok=True)

    def _forget(self, key: str) -> None:
        if not key:
            return
        try:
            self.storage.delete(key)
        except Exception:
            log.exception("caption file %s left behind", key)

    def _apply(self, video_id: int, command: Callable[[Video], T]) -> T:
        result = self.videos.apply(Video.create_id(video_id), Video, command)
        if self.renditions is not None:  # the outputs follow every saved change
            self.renditions.sync(video_id)
        return result

    @staticmethod
    def _end_ms(video: Video) -> int | None:
        return video_end_ms(video.duration)
