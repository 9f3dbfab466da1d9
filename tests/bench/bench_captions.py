"""The offline recogniser on speech espeak-ng makes: its real-time factor and its error rates.

A lecture of known Korean sentences (and one of English ones: not what the Korean model knows)
is said by espeak-ng into a small video (``tests/speech.py``) and transcribed as the worker
would: ``VoskRecogniser`` in a sandboxed child, the model loaded there. Reported:

- the model's load time (in this process, page cache warm), and its size on disk;
- the real-time factor: the transcription's wall time over the sound's length, with the model
  load and without it; the child's CPU seconds and peak memory;
- the word error rate (jiwer) against the sentences said, and for Korean the character error
  rate too (spaces removed): Vosk's Korean model writes morphemes apart ("겠습 니다") where
  the text writes words whole, so the word rate overstates the damage;
- how many words landed within the seconds their sentence was said;
- grouping the words into cues (``domain/caption_style.py``) for a 4-hour lecture's worth.

A synthetic voice is a hard case for any recogniser: the error rates are a floor, not a promise.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

import jiwer
import vosk

from academy_video.adapters.speech.vosk_recogniser import VoskRecogniser, packaged_korean_model
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.domain.caption_style import KOREAN, TimedWord, group_into_cues
from tests.speech import Spoken, make_spoken_video

KOREAN_LECTURE = [
    "안녕하세요. 오늘은 파이썬 프로그래밍을 배워 보겠습니다.",
    "변수는 값을 저장하는 이름입니다.",
    "함수는 입력을 받아서 결과를 돌려줍니다.",
    "반복문을 사용하면 같은 일을 여러 번 할 수 있습니다.",
    "조건문은 상황에 따라 다른 일을 합니다.",
    "리스트에는 여러 개의 값을 담을 수 있습니다.",
    "오늘 배운 내용을 꼭 복습하세요.",
    "질문이 있으면 언제든지 물어보세요.",
]
ENGLISH_LECTURE = [
    "Hello everyone, welcome to the lecture.",
    "Today we will learn about variables and functions.",
    "A function takes an input and returns a result.",
    "Please review the material before the next class.",
]
SOURCE = "videos/bench/1/source.mp4"


def words_of(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def within(spoken: list[Spoken], word: TimedWord, tolerance: float = 0.35) -> bool:
    return any(
        s.start - tolerance <= word.start_ms / 1000 and word.end_ms / 1000 <= s.end + tolerance
        for s in spoken
    )


def measure(name: str, sentences: list[str], voice: str, work: Path) -> None:
    spoken = make_spoken_video(work / f"{voice}.mp4", sentences, voice)
    storage = LocalDiskStorage(work / "objects", base_url="http://x", secret="s", max_bytes=10**9)
    storage.put_file(SOURCE, work / f"{voice}.mp4", "video/mp4")
    usage: list[tuple[float, float]] = []
    recogniser = VoskRecogniser(storage, on_usage=lambda cpu, mib: usage.append((cpu, mib)))
    started = time.perf_counter()
    heard = recogniser.transcribe(source_key=SOURCE)
    wall = time.perf_counter() - started
    assert heard.ok, heard.reason
    reference = words_of(" ".join(sentences))
    hypothesis = " ".join(word.text for word in heard.words)
    print(f"== {name}: {len(sentences)} sentences, {heard.audio_seconds:.1f} s of sound")
    print(f"  said:  {reference}")
    print(f"  heard: {hypothesis}")
    cpu, peak_mib = usage[-1] if usage else (0.0, 0.0)
    print(
        f"  wall {wall:.2f} s, RTF {wall / heard.audio_seconds:.3f} with the model load; "
        f"child CPU {cpu:.1f} s, peak resident {peak_mib:.0f} MiB"
    )
    print(f"  WER {jiwer.wer(reference, hypothesis):.1%}", end="")
    if voice == "ko":
        unspaced = reference.replace(" ", ""), hypothesis.replace(" ", "")
        print(f", CER (no spaces) {jiwer.cer(*unspaced):.1%}", end="")
    rtf_cpu = cpu / heard.audio_seconds
    print(f", CPU RTF {rtf_cpu:.3f}", end="")
    inside = sum(within(spoken, word) for word in heard.words)
    print(f"; {inside}/{len(heard.words)} words within their sentence's seconds")
    cues = group_into_cues(heard.words, KOREAN)
    print(f"  {len(cues)} cues, e.g. {cues[0].text!r} ({cues[0].start_ms}-{cues[0].end_ms} ms)")


def model_load() -> None:
    path = packaged_korean_model()
    assert path is not None
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    vosk.SetLogLevel(-1)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        vosk.Model(str(path))
        times.append(time.perf_counter() - started)
    print(
        f"== model: {size / 1024**2:.0f} MiB on disk; load {', '.join(f'{t:.2f}' for t in times)} s"
    )


def grouping() -> None:
    words = [TimedWord(f"단어{i % 7}", i * 400, i * 400 + 350) for i in range(36_000)]
    started = time.perf_counter()
    cues = group_into_cues(words, KOREAN)
    print(
        f"== grouping 36,000 words (4 h at 2.5 a second): {len(cues)} cues "
        f"in {time.perf_counter() - started:.2f} s"
    )


def main() -> int:
    model_load()
    with tempfile.TemporaryDirectory() as scratch:
        measure("Korean lecture (espeak-ng ko)", KOREAN_LECTURE, "ko", Path(scratch))
        measure(
            "English lecture (espeak-ng en), Korean model", ENGLISH_LECTURE, "en", Path(scratch)
        )
    grouping()
    return 0


if __name__ == "__main__":
    sys.exit(main())
