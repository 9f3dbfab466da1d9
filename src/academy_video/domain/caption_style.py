"""How words a recogniser timed become readable caption cues, for Korean and English.

The numbers are those of common caption style guides:

- Netflix Timed Text Style Guide, General Requirements: at most 2 lines; a cue shown for 5/6 s
  at least and 7 s at most; 2 frames (83 ms at 24 fps) between consecutive cues.
- Netflix English Timed Text Style Guide: 42 characters a line; reading speed up to 20
  characters a second (adult programmes).
- Netflix Korean Timed Text Style Guide: 16 characters a line, Latin letters, digits, spaces
  and punctuation counting half; reading speed up to 12 characters a second.
- BBC Subtitle Guidelines: a new subtitle at each sentence end and at a natural pause; when two
  lines are needed, break where the lines come out nearest equal, the lower line the longer.

Speech is captioned verbatim, so a cue cannot be shortened to meet the reading speed: its end is
held on (into the pause that follows, up to the next cue) until the reading speed and the minimum
duration are met, as far as the next cue allows. Cues never overlap.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .caption_cues import Cue

SENTENCE_ENDS = (".", "?", "!", "…", "。", "？", "！")
# WebVTT's own markup starts with "<" or "&" and "-->" ends a timing line: a recogniser has no
# reason to produce either, and a cue's text must never carry them.
_UNSAFE = re.compile(r"[<>&\x00-\x1f\x7f]")


@dataclass(frozen=True)
class TimedWord:
    """A word as a recogniser heard it: its text, when it was said, and how sure it was (0..1)."""

    text: str
    start_ms: int
    end_ms: int
    confidence: float = 1.0


@dataclass(frozen=True)
class CaptionStyle:
    max_line_chars: int
    max_lines: int = 2
    min_cue_ms: int = 833  # 5/6 s
    max_cue_ms: int = 7000
    max_chars_per_second: float = 20.0
    pause_break_ms: int = 700  # silence at least this long starts a new cue
    min_gap_ms: int = 83  # 2 frames at 24 fps
    narrow_width: float = 1.0  # what a Latin letter, digit, space or punctuation mark counts

    def width(self, text: str) -> float:
        """The text's length as the guide counts it."""
        return sum(self.narrow_width if ch.isascii() else 1.0 for ch in text)


ENGLISH = CaptionStyle(max_line_chars=42, max_chars_per_second=20.0)
KOREAN = CaptionStyle(max_line_chars=16, max_chars_per_second=12.0, narrow_width=0.5)


def style_for(language: str) -> CaptionStyle:
    """The style for a BCP 47 tag: Korean's for ``ko``, English's (the common default) else."""
    return KOREAN if language.split("-")[0].lower() == "ko" else ENGLISH


def group_into_cues(words: Iterable[TimedWord], style: CaptionStyle) -> list[Cue]:
    """The words, in order, as cues: each within ``style``'s lines, duration and breaks."""
    cleaned = clean_words(words, style)
    groups: list[list[TimedWord]] = []
    for word in cleaned:
        current = groups[-1] if groups else None
        if current is None or _breaks_before(current, word, style):
            groups.append([word])
        else:
            current.append(word)
    cues: list[Cue] = []
    for index, group in enumerate(groups):
        following = groups[index + 1][0].start_ms if index + 1 < len(groups) else None
        lines = wrap([w.text for w in group], style)
        assert lines is not None  # a group is only ever extended while it still fits
        text = "\n".join(lines)
        cues.append(Cue(group[0].start_ms, _end(group, text, following, style), text))
    return cues


def clean_words(words: Iterable[TimedWord], style: CaptionStyle) -> list[TimedWord]:
    """Words fit for a cue: markup and control characters gone, whitespace inside a word a
    space no more, words longer than a line cut into line-long pieces, and times made
    monotonic (each word at least 1 ms, none before the previous one ended, none longer than a
    cue may be)."""
    cleaned: list[TimedWord] = []
    previous_end = 0
    for word in sorted(words, key=lambda w: (w.start_ms, w.end_ms)):
        text = "".join(_UNSAFE.sub("", word.text).split())
        if not text:
            continue
        start = max(word.start_ms, previous_end, 0)
        end = min(max(word.end_ms, start + 1), start + style.max_cue_ms)
        pieces = _pieces(text, style)
        span = end - start
        for number, piece in enumerate(pieces):
            piece_start = max(start + span * number // len(pieces), previous_end)
            piece_end = max(start + span * (number + 1) // len(pieces), piece_start + 1)
            cleaned.append(TimedWord(piece, piece_start, piece_end, word.confidence))
            previous_end = piece_end
    return cleaned


def wrap(words: Sequence[str], style: CaptionStyle) -> list[str] | None:
    """The words as at most ``max_lines`` lines of at most ``max_line_chars``: as few lines as
    fit, the longest as short as can be and, between equals, the lower lines longer (BBC);
    ``None`` if they do not fit."""
    # Widths from prefix sums: a group grows a word at a time and is wrapped at each step.
    sums = [0.0, *itertools.accumulate(style.width(word) for word in words)]
    space = style.width(" ")

    def width(first: int, last: int) -> float:  # words[first:last] joined by spaces
        return sums[last] - sums[first] + space * (last - first - 1)

    for count in range(1, min(style.max_lines, len(words)) + 1):
        best: tuple[float, tuple[float, ...], tuple[int, ...]] | None = None
        for cuts in itertools.combinations(range(1, len(words)), count - 1):
            bounds = (0, *cuts, len(words))
            widths = tuple(width(a, b) for a, b in itertools.pairwise(bounds))
            if max(widths) <= style.max_line_chars and (
                best is None or (max(widths), widths) < best[:2]
            ):
                best = (max(widths), widths, bounds)
        if best is not None:
            return [" ".join(words[a:b]) for a, b in itertools.pairwise(best[2])]
    return None


def _breaks_before(group: list[TimedWord], word: TimedWord, style: CaptionStyle) -> bool:
    last = group[-1]
    return (
        word.start_ms - last.end_ms >= style.pause_break_ms
        or last.text.endswith(SENTENCE_ENDS)
        or word.end_ms - group[0].start_ms > style.max_cue_ms
        or wrap([w.text for w in (*group, word)], style) is None
    )


def _end(group: list[TimedWord], text: str, following: int | None, style: CaptionStyle) -> int:
    """When the cue leaves the screen: held on past the last word for the minimum duration and
    the reading speed, never past ``max_cue_ms``, and ``min_gap_ms`` before the next cue when
    the speech leaves room for it (never later than the next cue starts)."""
    start, spoken_end = group[0].start_ms, group[-1].end_ms
    reading_ms = int(1000 * style.width(text.replace("\n", " ")) / style.max_chars_per_second)
    wanted = min(
        max(spoken_end, start + style.min_cue_ms, start + reading_ms), start + style.max_cue_ms
    )
    if following is not None:
        wanted = min(wanted, following - style.min_gap_ms)
    return max(wanted, spoken_end)


def _pieces(text: str, style: CaptionStyle) -> list[str]:
    """A word cut into pieces that each fit on a line (a long URL, a recogniser's run-on)."""
    pieces, current = [], ""
    for ch in text:
        if current and style.width(current + ch) > style.max_line_chars:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current]
