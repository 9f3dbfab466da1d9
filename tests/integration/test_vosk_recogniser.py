"""Auto-captions on speech the tests make: espeak-ng says known Korean and English sentences at
known times in a small video, the Vosk recogniser transcribes it in the sandbox, and the cues
made from its words cover the speech where it was said. The model loads once for the session
(about 1.5 s); quality is measured by tests/bench/bench_captions.py, not asserted here (a
synthetic voice is a hard case, and English is not what the Korean model knows)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from academy_video.adapters.speech.vosk_recogniser import VoskRecogniser, packaged_korean_model
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.app.ports import SpeechLimits, Transcription, TranscriptionCancelled
from academy_video.domain.caption_style import KOREAN, group_into_cues
from tests.media import make_video
from tests.speech import Spoken, make_spoken_video

pytestmark = pytest.mark.speech

KOREAN_SENTENCES = [
    "안녕하세요. 오늘은 파이썬 프로그래밍을 배워 보겠습니다.",
    "변수와 함수에 대해 알아봅시다.",
    "질문이 있으면 언제든지 물어보세요.",
]
ENGLISH_SENTENCES = ["Hello everyone.", "Today we will learn about functions."]
SOURCE = "videos/demo/1/source.mp4"
TOLERANCE = 0.35  # seconds a word's timing may stray past its sentence (frame shift, endpoints)


@dataclass(frozen=True)
class Heard:
    spoken: list[Spoken]
    transcription: Transcription
    progress: list[int]
    seconds: float


def storage_at(root: Path) -> LocalDiskStorage:
    return LocalDiskStorage(root / "objects", base_url="http://x", secret="s", max_bytes=10**9)


def hear(root: Path, sentences: list[str], voice: str) -> Heard:
    """``sentences`` said by ``voice`` in a video, and what the recogniser heard in it."""
    spoken = make_spoken_video(root / "lecture.mp4", sentences, voice)
    storage = storage_at(root)
    storage.put_file(SOURCE, root / "lecture.mp4", "video/mp4")
    progress: list[int] = []
    started = time.monotonic()
    transcription = VoskRecogniser(storage).transcribe(source_key=SOURCE, progress=progress.append)
    return Heard(spoken, transcription, progress, time.monotonic() - started)


@pytest.fixture(scope="session")
def heard(tmp_path_factory: pytest.TempPathFactory) -> Heard:
    """A Korean lecture, transcribed once for every test here."""
    return hear(tmp_path_factory.mktemp("speech-ko"), KOREAN_SENTENCES, "ko")


@pytest.fixture(scope="session")
def heard_english(tmp_path_factory: pytest.TempPathFactory) -> Heard:
    return hear(tmp_path_factory.mktemp("speech-en"), ENGLISH_SENTENCES, "en")


def sentence_of(spoken: list[Spoken], start_ms: int, end_ms: int) -> Spoken | None:
    for sentence in spoken:
        if (
            sentence.start - TOLERANCE <= start_ms / 1000
            and end_ms / 1000 <= sentence.end + TOLERANCE
        ):
            return sentence
    return None


def test_words_land_within_the_seconds_their_sentence_was_said(heard: Heard) -> None:
    assert heard.transcription.ok, heard.transcription.reason
    words = heard.transcription.words
    assert words
    # Every word was heard while a sentence was said, none in the silences between.
    assert all(sentence_of(heard.spoken, w.start_ms, w.end_ms) for w in words)
    # Every sentence was heard, in order.
    said_in = [sentence_of(heard.spoken, w.start_ms, w.end_ms) for w in words]
    assert [s for s, _ in itertools.groupby(said_in)] == heard.spoken
    assert all(0 <= w.confidence <= 1 for w in words)


def test_cues_cover_the_speech_and_break_between_sentences(heard: Heard) -> None:
    cues = group_into_cues(heard.transcription.words, KOREAN)
    first, last = heard.spoken[0], heard.spoken[-1]
    assert abs(cues[0].start_ms / 1000 - first.start) <= TOLERANCE
    assert cues[-1].end_ms / 1000 >= last.end - TOLERANCE
    assert cues[-1].end_ms / 1000 <= heard.transcription.audio_seconds
    # The silence between two sentences (1.5 s) always ends a cue: none spans two sentences.
    for cue in cues:
        assert sentence_of(heard.spoken, cue.start_ms, cue.start_ms) is not None
        words_in_cue = [
            w for w in heard.transcription.words if cue.start_ms <= w.start_ms < cue.end_ms
        ]
        assert len({sentence_of(heard.spoken, w.start_ms, w.end_ms) for w in words_in_cue}) == 1


def test_the_whole_sound_is_heard_with_progress_as_it_goes(heard: Heard) -> None:
    video_seconds = heard.spoken[-1].end + 1.5  # the last gap is silence too
    assert heard.transcription.audio_seconds == pytest.approx(video_seconds, abs=0.1)
    assert heard.progress == sorted(heard.progress)
    assert heard.progress[-1] >= 90
    # Model load included: the tests stay quick (docs/benchmarks.md has the measured figures).
    assert heard.seconds < 60


def test_english_speech_is_timed_even_by_the_korean_model(heard_english: Heard) -> None:
    # The words are Korean guesses at English sounds: only their timing is asserted.
    assert heard_english.transcription.ok
    words = heard_english.transcription.words
    assert words and all(sentence_of(heard_english.spoken, w.start_ms, w.end_ms) for w in words)


# Failures are results with a reason, never an exception out of the sandbox ------------------


def transcribe(tmp_path: Path, source: Path, recogniser: VoskRecogniser | None = None) -> str:
    storage = storage_at(tmp_path)
    storage.put_file(SOURCE, source, "video/mp4")
    recogniser = recogniser or VoskRecogniser(storage)
    recogniser.storage = storage
    transcription = recogniser.transcribe(source_key=SOURCE)
    assert transcription.words == ()
    return transcription.reason


def test_a_video_without_sound_has_nothing_to_transcribe(tmp_path: Path) -> None:
    silent = make_video(tmp_path / "silent.mp4", seconds=1, audio=False)
    assert transcribe(tmp_path, silent) == "no_audio_stream"


def test_a_source_that_is_not_media_is_unreadable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    assert transcribe(tmp_path, junk) in ("source_unreadable", "unsupported_format")


def test_sound_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    video = make_video(tmp_path / "long.mp4", seconds=3)
    storage = storage_at(tmp_path)
    short = VoskRecogniser(storage, limits=SpeechLimits(max_audio_seconds=2))
    assert transcribe(tmp_path, video, short) == "too_long"


def test_a_recogniser_over_its_time_budget_is_stopped(tmp_path: Path) -> None:
    video = make_video(tmp_path / "tone.mp4", seconds=2)
    storage = storage_at(tmp_path)
    hasty = VoskRecogniser(storage, limits=SpeechLimits(base_seconds=0.3, time_factor=0.01))
    assert transcribe(tmp_path, video, hasty) == "timeout"


def test_a_memory_limit_too_small_for_the_model_is_a_reason_at_once(tmp_path: Path) -> None:
    video = make_video(tmp_path / "tone.mp4", seconds=2)
    storage = storage_at(tmp_path)
    starved = VoskRecogniser(storage, memory_bytes=1024**3)
    started = time.monotonic()
    # Short of room, Kaldi's loader would stall until the wall time ran out: the child checks.
    assert transcribe(tmp_path, video, starved) == "memory_limit"
    assert time.monotonic() - started < 10


def test_a_missing_model_is_a_reason(tmp_path: Path) -> None:
    video = make_video(tmp_path / "tone.mp4", seconds=1)
    storage = storage_at(tmp_path)
    nowhere = VoskRecogniser(storage, model_path=tmp_path / "no-model")
    assert transcribe(tmp_path, video, nowhere) == "recogniser_unavailable"


def test_cancelling_stops_the_child_at_once(tmp_path: Path) -> None:
    video = make_video(tmp_path / "tone.mp4", seconds=2)
    storage = storage_at(tmp_path)
    storage.put_file(SOURCE, video, "video/mp4")
    started = time.monotonic()
    with pytest.raises(TranscriptionCancelled):
        VoskRecogniser(storage).transcribe(source_key=SOURCE, cancelled=lambda: True)
    assert time.monotonic() - started < 5


def test_the_model_comes_from_the_installed_package() -> None:
    model = packaged_korean_model()
    assert model is not None and (model / "am" / "final.mdl").is_file()
