"""Transcript search's answer (docs/captions.md, "Transcript search")."""

from __future__ import annotations

from msgspec import Struct


class TranscriptResultOut(Struct, kw_only=True):
    video_id: int
    session_id: int  # the video's lecture session: a student's player lists its videos by it
    title: str
    language: str  # the track's BCP 47 tag
    start_ms: int  # the cue's start in the video
    snippet: str  # HTML-escaped cue text around the match, each match in <mark>…</mark>
