"""Caption tracks (this service's own API: unknown fields are refused). The domain checks every
value again (``domain/caption_*.py``); these bounds keep a body small."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from academy_video.domain.caption_language import MAX_LANGUAGE_CHARS
from academy_video.domain.caption_rules import MAX_CUE_CHARS, MAX_CUE_EDITS, MAX_CUES
from academy_video.domain.caption_tracks import MAX_LABEL_CHARS

from .common import StrictInput

Language = Annotated[str, Meta(min_length=2, max_length=MAX_LANGUAGE_CHARS)]
Label = Annotated[str, Meta(min_length=1, max_length=MAX_LABEL_CHARS)]
Kind = Literal["subtitles", "captions"]


class CueEditIn(StrictInput, kw_only=True):
    index: Annotated[int, Meta(ge=0, lt=MAX_CUES)]  # from 0, in the track's file
    text: Annotated[str, Meta(min_length=1, max_length=MAX_CUE_CHARS)]


class CaptionPatch(StrictInput, kw_only=True):
    label: Label | UnsetType = UNSET
    kind: Kind | UnsetType = UNSET
    default: bool | UnsetType = UNSET
    published: bool | UnsetType = UNSET
    cues: Annotated[list[CueEditIn], Meta(max_length=MAX_CUE_EDITS)] | UnsetType = UNSET


class AutoCaptionIn(StrictInput, kw_only=True):
    language: Language
    label: Annotated[str, Meta(max_length=MAX_LABEL_CHARS)] = ""  # default: the language
    kind: Kind = "subtitles"


class CaptionOut(Struct, kw_only=True):
    language: str  # BCP 47, canonical case
    label: str
    kind: str  # subtitles | captions
    source: str  # uploaded | auto
    status: str  # processing | draft | published | failed
    reason: str  # why an auto track failed ("" otherwise)
    default: bool
    version: int  # of its file (0: none yet)
    cue_count: int
    url: str  # the staff's normalised file ("" while there is none)
    progress: int = 0  # percent done while an auto track is processing
