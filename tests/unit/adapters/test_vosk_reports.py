"""What the recogniser's parent makes of its child's reports: a child taken over by a hostile
source may say anything, and the parent answers only a checked transcription or a reason.
The sandbox is replaced by a stand-in that reports what each test says (the real child runs in
tests/integration/test_vosk_recogniser.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from academy_video.adapters.media import sandbox
from academy_video.adapters.speech import vosk_recogniser
from academy_video.adapters.speech.vosk_recogniser import VoskRecogniser
from academy_video.app.ports import MAX_WORDS, SpeechLimits, TranscriptionCancelled
from academy_video.domain.caption_style import TimedWord
from tests.fakes.media import InMemoryObjectStorage
from tests.fakes.speech import FakeSpeechRecogniser

Reports = list[tuple[str, Any]]


def recogniser_whose_child(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    reports: Reports,
    answer: Any = None,
    raises: Exception | None = None,
) -> tuple[VoskRecogniser, list[float | None]]:
    """A recogniser whose child sends ``reports`` then answers ``answer`` (or fails)."""
    limits_seen: list[float | None] = []

    def child(
        function: Callable[..., Any],
        args: tuple[Any, ...],
        limits: sandbox.Limits,
        *,
        on_report: Callable[[str, Any], float | None],
        cancelled: Callable[[], bool] | None = None,
    ) -> Any:
        assert limits.memory_bytes == vosk_recogniser.MEMORY_BYTES
        for kind, value in reports:
            limits_seen.append(on_report(kind, value))
        if raises is not None:
            raise raises
        return {"audio_seconds": 3.0} if answer is None else answer

    monkeypatch.setattr(sandbox, "run", child)
    (tmp_path / "am").mkdir()
    storage = InMemoryObjectStorage()
    storage.put("videos/t/1/source.mp4", b"")
    return VoskRecogniser(storage, model_path=tmp_path, limits=SpeechLimits()), limits_seen


def transcribe(recogniser: VoskRecogniser, progress: list[int] | None = None) -> Any:
    return recogniser.transcribe(
        source_key="videos/t/1/source.mp4", progress=None if progress is None else progress.append
    )


def test_well_formed_reports_become_timed_words_and_progress(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reports: Reports = [
        ("opened", 3.0),
        ("words", [["안녕", 100, 400, 0.9], ["하세요", 400, 800, 1.0]]),
        ("progress", 50),
        ("progress", 250),  # clamped
        ("words", [["다음", 1500, 1800, 0.5]]),
        ("usage", {"cpu_seconds": 1.5, "peak_kib": 600_000}),
    ]
    recogniser, limits = recogniser_whose_child(monkeypatch, tmp_path, reports)
    progress: list[int] = []
    heard = transcribe(recogniser, progress)
    assert heard.ok and heard.audio_seconds == 3.0
    assert heard.words == (
        TimedWord("안녕", 100, 400, 0.9),
        TimedWord("하세요", 400, 800, 1.0),
        TimedWord("다음", 1500, 1800, 0.5),
    )
    assert progress == [50, 99]
    # The sound's length sets the time budget: 120 s plus 1.5 s a second of it.
    assert limits[0] == pytest.approx(120 + 1.5 * 3.0)


@pytest.mark.parametrize(
    "words",
    [
        [["<b>" * 30, 0, 1, 0.5]],  # a word longer than 64 characters
        [["a", -1, 5, 0.5]],  # a time before the start
        [["a", 0, 10**12, 0.5]],  # a time past a day
        [["a", 0, 5, 1.5]],  # a confidence past 1
        [["a", 0, 5]],  # a word short of a field
        "not a list",
        [{"word": "a"}],
    ],
)
def test_a_report_of_the_wrong_shape_is_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, words: Any
) -> None:
    recogniser, _ = recogniser_whose_child(monkeypatch, tmp_path, [("words", words)])
    heard = transcribe(recogniser)
    assert (heard.reason, heard.words) == ("crashed", ())


def test_an_answer_of_the_wrong_shape_is_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recogniser, _ = recogniser_whose_child(monkeypatch, tmp_path, [], answer={"audio_seconds": -1})
    assert transcribe(recogniser).reason == "crashed"


def test_more_words_than_a_transcript_may_hold_stop_the_child(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    batch = [["어", 0, 1, 0.5]] * 2000
    reports: Reports = [("words", batch)] * (MAX_WORDS // 2000 + 1)
    recogniser, _ = recogniser_whose_child(monkeypatch, tmp_path, reports)
    assert transcribe(recogniser).reason == "too_many_words"


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (sandbox.SandboxRefused("unreadable"), "source_unreadable"),
        (sandbox.SandboxRefused("no_audio_stream"), "no_audio_stream"),
        (sandbox.SandboxFailed("memory_limit"), "memory_limit"),
        (sandbox.SandboxFailed("timeout"), "timeout"),
        (sandbox.SandboxFailed("crashed"), "crashed"),
    ],
)
def test_the_sandbox_verdicts_are_reasons(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, failure: Exception, reason: str
) -> None:
    recogniser, _ = recogniser_whose_child(
        monkeypatch, tmp_path, [("words", [["a", 0, 1, 1.0]])], raises=failure
    )
    heard = transcribe(recogniser)
    assert (heard.reason, heard.words) == (reason, ())


def test_cancellation_is_raised(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    recogniser, _ = recogniser_whose_child(
        monkeypatch, tmp_path, [], raises=sandbox.SandboxFailed("cancelled")
    )
    with pytest.raises(TranscriptionCancelled):
        transcribe(recogniser)


def test_no_model_installed_is_a_reason_without_a_child(tmp_path: Path) -> None:
    recogniser = VoskRecogniser(InMemoryObjectStorage(), model_path=tmp_path / "nowhere")
    assert transcribe(recogniser).reason == "recogniser_unavailable"


def test_the_fake_answers_what_it_was_given() -> None:
    fake = FakeSpeechRecogniser()
    assert fake.transcribe(source_key="k").reason == "source_unreadable"
    with pytest.raises(TranscriptionCancelled):
        fake.transcribe(source_key="k", cancelled=lambda: True)
    assert fake.asked == ["k", "k"]
