"""Speech recognition: the words said in a stored video's sound, each with when it was said.

The recogniser reads the source the way the transcoder does (by its storage key) and answers a
``Transcription``: the timed words, or the reason there are none. It never raises for the media
or for its own limits: a source without sound, one too long, a recogniser that crashed, ran out
of memory or of time, are all reasons (``domain/caption_style.py`` groups the words into cues).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from academy_video.domain.caption_style import TimedWord

MAX_WORDS = 200_000  # about 11 hours of fast speech: more is not a lecture's transcript


@dataclass(frozen=True)
class SpeechLimits:
    """What one transcription may take: at most ``max_audio_seconds`` of sound (a longer source
    is refused, ``too_long``), and a time budget of ``base_seconds`` (opening the source, loading
    the model) plus ``time_factor`` seconds for each second of sound."""

    max_audio_seconds: float = 4 * 3600
    base_seconds: float = 120.0
    time_factor: float = 1.5

    def wall_seconds(self, audio_seconds: float) -> float:
        return self.base_seconds + self.time_factor * min(audio_seconds, self.max_audio_seconds)


@dataclass(frozen=True)
class Transcription:
    """The words heard, in order; ``reason`` is set (and ``words`` empty) when there are none
    to give: ``no_audio_stream``, ``too_long``, ``source_unreadable``, ``unsupported_format``,
    ``too_many_words``, ``recogniser_unavailable``, or the sandbox's ``timeout``,
    ``memory_limit``, ``cpu_limit``, ``crashed``."""

    words: tuple[TimedWord, ...] = ()
    audio_seconds: float = 0.0
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


class TranscriptionCancelled(Exception):
    """``cancelled()`` turned true while the recogniser ran (shutdown, a lost lease)."""


class SpeechRecogniser(Protocol):
    language: str  # the BCP 47 tag of the language its model knows

    def transcribe(
        self,
        *,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Transcription:
        """The timed words of the stored source's first sound track. ``progress(percent)`` is
        called as it goes; when ``cancelled()`` turns true it stops by raising
        ``TranscriptionCancelled``."""
        ...
