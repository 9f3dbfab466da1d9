"""A speech recogniser for tests of the use cases: it answers what it was given for each key."""

from __future__ import annotations

from collections.abc import Callable

from academy_video.app.ports import Transcription, TranscriptionCancelled


class FakeSpeechRecogniser:
    """``heard[key]`` is the answer for that source (a reason if it holds none); every call is
    recorded in ``asked``."""

    language = "ko"

    def __init__(self, heard: dict[str, Transcription] | None = None) -> None:
        self.heard = heard or {}
        self.asked: list[str] = []

    def transcribe(
        self,
        *,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Transcription:
        self.asked.append(source_key)
        if cancelled is not None and cancelled():
            raise TranscriptionCancelled()
        if progress is not None:
            progress(50)
        return self.heard.get(source_key, Transcription(reason="source_unreadable"))
