"""A caption cue: what is shown from ``start_ms`` to ``end_ms`` of the lecture's time (whole
milliseconds, WebVTT's precision). Shared by uploaded tracks (parsed files) and auto-captions
(words a recogniser timed, grouped into cues)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str  # the cue's lines joined by "\n"; only WebVTT's own markup

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms
