"""Reading caption files: an uploaded file's bytes into cues, each with the line it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from academy_video.domain.caption_cues import Cue


@dataclass(frozen=True)
class ParsedCaptions:
    cues: list[Cue]
    lines: list[int]  # the file's line (from 1) of each cue's timings, to name it in a refusal


class CaptionParser(Protocol):
    def parse(self, data: bytes) -> ParsedCaptions:
        """WebVTT or SubRip, in UTF-8 (with or without a BOM) or CP949/EUC-KR, CRLF or LF.
        ``Invalid`` (code ``invalid_caption``) naming the line for a file it cannot read: an
        encoding it cannot tell, a malformed block, a line or a file past the bounds of
        ``domain/caption_rules.py``. The cues' own rules (times, text, markup) are the
        caller's to check (``first_cue_problem``)."""
        ...
