"""The recogniser's side of the sandbox: open the source, load the model, feed it the sound,
report the words as they come. Runs only in the sandboxed child (``vosk_recogniser.py`` is the
parent's side); the model is loaded here, per transcription, so its memory is the child's.

Messages to the parent: ``opened`` (the sound's stated seconds: it sets the time budget),
``words`` (one utterance's words as ``[text, start_ms, end_ms, confidence]``), ``progress``
(percent); the answer is the seconds of sound heard. Each message stays far below the
sandbox's message cap: an utterance ends at the model's endpointing (a pause), and a run-on
one is sent in parts (``MAX_MESSAGE_WORDS``).
"""

from __future__ import annotations

import json
import resource
from pathlib import Path
from typing import Any

from academy_video.adapters.media.confinement import Refusal, Report
from academy_video.adapters.media.opening import open_source

from .audio import BYTES_PER_SECOND, SAMPLE_RATE, audio_seconds, pcm_chunks

MAX_MESSAGE_WORDS = 2000  # about 120 KB of JSON
MAX_WORD_CHARS = 64
# What loading the Korean model adds to the child's address space: 1,089 MiB measured (with the
# child's 4 malloc arenas), and a margin. Short of it Kaldi's loader can stall rather than fail.
MODEL_ADDRESS_BYTES = 1152 * 1024 * 1024


def transcribe_in_child(
    url: str, model_path: str, max_seconds: float, report: Report
) -> dict[str, Any]:
    import vosk  # here, not in the fork server: every other child would carry it

    with open_source(url, timeout=15.0) as container:
        stated = audio_seconds(container)
        if stated > max_seconds:
            raise Refusal("too_long")
        report("opened", stated)
        vosk.SetLogLevel(-1)
        if not _room_for_model():
            raise Refusal("memory_limit")
        try:
            model = vosk.Model(model_path)
        except Exception:  # vosk's own: "Failed to create a model"
            raise Refusal("recogniser_unavailable") from None
        recogniser = vosk.KaldiRecognizer(model, SAMPLE_RATE)
        recogniser.SetWords(True)
        heard, percent = 0, -1
        for chunk in pcm_chunks(container, max_seconds):
            heard += len(chunk)
            if recogniser.AcceptWaveform(chunk):
                _send_words(recogniser.Result(), report)
            done = min(99, int(100 * heard / BYTES_PER_SECOND / stated)) if stated else 0
            if done > percent:
                percent = done
                report("progress", percent)
        _send_words(recogniser.FinalResult(), report)
    return {"audio_seconds": heard / BYTES_PER_SECOND}


def _room_for_model() -> bool:
    """Whether the memory limit leaves the model room to load: a stalled loader would hold the
    worker until the wall time ran out."""
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return True
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return limit - int(line.split()[1]) * 1024 >= MODEL_ADDRESS_BYTES
    return True


def _send_words(result: str, report: Report) -> None:
    words = json.loads(result).get("result") or []
    for first in range(0, len(words), MAX_MESSAGE_WORDS):
        report("words", [_timed(word) for word in words[first : first + MAX_MESSAGE_WORDS]])


def _timed(word: dict[str, Any]) -> list[Any]:
    return [
        str(word.get("word", ""))[:MAX_WORD_CHARS],
        round(float(word.get("start", 0)) * 1000),
        round(float(word.get("end", 0)) * 1000),
        float(word.get("conf", 0.0)),
    ]
