"""The rules every caption track's cues obey, whoever made them (a file staff uploaded, a
recogniser's words, an edit), and the bounds on what one track may hold.

Pure functions over ``Cue``s: they name the first bad cue by its index, and the caller names it
in its own terms (the parser by the file's line, an edit by the cue's index).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .caption_cues import Cue
from .caption_markup import markup_problem

# Bounds on an uploaded file, checked before and while it is parsed.
MAX_CAPTION_FILE_BYTES = 2 * 1024 * 1024  # 20,000 two-line Korean cues fit in about 1.9 MiB
MAX_SOURCE_LINE_CHARS = 1_000  # one line of the file; a cue's text is bounded below
MAX_SOURCE_LINES = 200_000  # every line of the file, blank ones and comments too
# Bounds on a track's cues.
MAX_CUES = 20_000  # a five-and-a-half-hour lecture at a cue a second
MAX_CUE_CHARS = 500  # one cue's text, markup included (style guides show about 84 characters)
MAX_CUE_LINES = 6
MAX_CUE_EDITS = 500  # cue texts one edit may change


def video_end_ms(duration_seconds: float | None) -> int | None:
    """The last millisecond a cue may reach: the video's duration rounded up, so a cue ending
    on a duration of 8.0105 s (8.011 in WebVTT's milliseconds) still fits."""
    if duration_seconds is None or not math.isfinite(duration_seconds):
        return None
    return math.ceil(duration_seconds * 1000)


def first_cue_problem(cues: Sequence[Cue], end_ms: int | None) -> tuple[int, str] | None:
    """The index of the first cue that breaks a rule, and why (None when all are fine):
    times not negative, each cue ending after it starts, in order without overlapping the one
    before, within the video (``end_ms``, when known), and text ``cue_text_problem`` accepts."""
    if len(cues) > MAX_CUES:
        return MAX_CUES, f"more than {MAX_CUES} cues"
    previous: Cue | None = None
    for index, cue in enumerate(cues):
        problem = timing_problem(cue, previous, end_ms) or cue_text_problem(cue.text)
        if problem is not None:
            return index, problem
        previous = cue
    return None


def timing_problem(cue: Cue, previous: Cue | None, end_ms: int | None) -> str | None:
    if cue.start_ms < 0 or cue.end_ms < 0:
        return "negative time"
    if cue.end_ms <= cue.start_ms:
        return f"ends ({timestamp(cue.end_ms)}) before it starts ({timestamp(cue.start_ms)})"
    if previous is not None and cue.start_ms < previous.end_ms:
        return (
            f"starts ({timestamp(cue.start_ms)}) before the cue before it ends "
            f"({timestamp(previous.end_ms)}): cues overlap or are out of order"
        )
    if end_ms is not None and cue.end_ms > end_ms:
        return f"ends ({timestamp(cue.end_ms)}) past the video's end ({timestamp(end_ms)})"
    return None


def cue_text_problem(text: str) -> str | None:
    """Why a cue's text cannot be shown as it is (None when it can)."""
    if not text.strip():
        return "empty text"
    if len(text) > MAX_CUE_CHARS:
        return f"text over {MAX_CUE_CHARS} characters"
    lines = text.split("\n")
    if len(lines) > MAX_CUE_LINES:
        return f"more than {MAX_CUE_LINES} lines"
    if any(not line.strip() for line in lines):
        return "a blank line inside the cue"
    if "-->" in text:
        return "'-->' in the text"
    if any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
        return "a control character in the text"
    return markup_problem(text)


def timestamp(ms: int) -> str:
    """``01:02:03.004``: WebVTT's form, hours always written."""
    sign, ms = ("-", -ms) if ms < 0 else ("", ms)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def to_webvtt(cues: Sequence[Cue]) -> str:
    """The normalised file: the header, then each cue's timings and text, one blank line
    between; no identifiers, settings, styles or notes (what the rules above checked is all
    it holds). LF line ends, UTF-8 when encoded."""
    parts = ["WEBVTT\n"]
    for cue in cues:
        parts.append(f"\n{timestamp(cue.start_ms)} --> {timestamp(cue.end_ms)}\n{cue.text}\n")
    return "".join(parts)
