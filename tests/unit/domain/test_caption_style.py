"""Timed words become readable cues: the style guides' lines, durations and breaks hold for any
words a recogniser could answer (hypothesis), and the chosen breaks read well (examples)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from academy_video.domain.caption_cues import Cue
from academy_video.domain.caption_style import (
    ENGLISH,
    KOREAN,
    CaptionStyle,
    TimedWord,
    clean_words,
    group_into_cues,
    style_for,
    wrap,
)


def said(*spans: tuple[str, int, int]) -> list[TimedWord]:
    return [TimedWord(text, start, end) for text, start, end in spans]


def run_of(words: str, *, start: int = 0, each: int = 300, pause: int = 0) -> list[TimedWord]:
    """``words`` said one after another, ``each`` ms apiece with ``pause`` ms between."""
    out, at = [], start
    for text in words.split():
        out.append(TimedWord(text, at, at + each))
        at += each + pause
    return out


word_texts = st.one_of(
    st.sampled_from(["안녕하세요", "오늘은", "파이썬", "the", "lecture", "함수", "x", "다."]),
    st.text(min_size=0, max_size=60),  # anything: markup, controls, run-ons, empty
)
timed_words = st.lists(
    st.builds(
        TimedWord,
        text=word_texts,
        start_ms=st.integers(-1000, 600_000),
        end_ms=st.integers(-1000, 600_000),
        confidence=st.floats(0, 1),
    ),
    max_size=80,
)
styles = st.sampled_from([ENGLISH, KOREAN, CaptionStyle(max_line_chars=5, max_lines=3)])


@settings(max_examples=300)
@given(words=timed_words, style=styles)
def test_cues_never_overlap_and_keep_every_bound(
    words: list[TimedWord], style: CaptionStyle
) -> None:
    cues = group_into_cues(words, style)
    for cue in cues:
        assert 0 <= cue.start_ms < cue.end_ms
        assert cue.duration_ms <= style.max_cue_ms
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= style.max_lines
        assert all(line and style.width(line) <= style.max_line_chars for line in lines)
        assert not any(mark in cue.text for mark in ("<", ">", "&", "-->"))
    for cue, following in itertools.pairwise(cues):
        assert cue.end_ms <= following.start_ms


@settings(max_examples=300)
@given(words=timed_words, style=styles)
def test_cues_cover_every_word_in_order(words: list[TimedWord], style: CaptionStyle) -> None:
    cues = group_into_cues(words, style)
    cleaned = clean_words(words, style)
    assert "".join(cue.text.replace("\n", "").replace(" ", "") for cue in cues) == "".join(
        word.text for word in cleaned
    )
    # Each word is on screen while it is said.
    words_left = iter(cleaned)
    for cue in cues:
        for _ in cue.text.split():
            word = next(words_left)
            assert cue.start_ms <= word.start_ms and word.end_ms <= cue.end_ms
    assert next(words_left, None) is None


@settings(max_examples=200)
@given(words=timed_words, style=styles)
def test_a_short_or_dense_cue_is_held_on_as_long_as_the_next_one_allows(
    words: list[TimedWord], style: CaptionStyle
) -> None:
    cues = group_into_cues(words, style)
    for index, cue in enumerate(cues):
        following = cues[index + 1] if index + 1 < len(cues) else None
        reading_ms = 1000 * style.width(cue.text.replace("\n", " ")) / style.max_chars_per_second
        wanted = min(max(style.min_cue_ms, reading_ms), style.max_cue_ms)
        if cue.duration_ms < wanted - 1:  # only the next cue may cut it short
            assert following is not None
            assert cue.end_ms >= following.start_ms - style.min_gap_ms


def test_a_pause_starts_a_new_cue() -> None:
    words = run_of("오늘은 함수를", start=0) + run_of(
        "배워 봅시다", start=600 + ENGLISH.pause_break_ms
    )
    assert [cue.text for cue in group_into_cues(words, KOREAN)] == ["오늘은 함수를", "배워 봅시다"]


def test_a_sentence_end_starts_a_new_cue() -> None:
    words = run_of("Good morning. Today we start.", pause=150)
    cues = group_into_cues(words, ENGLISH)
    assert [cue.text for cue in cues] == ["Good morning.", "Today we start."]
    # Held on into the short pause, up to 2 frames before the next cue.
    assert cues[0].end_ms == cues[1].start_ms - ENGLISH.min_gap_ms
    # With no pause at all, a cue leaves when its last word ends.
    touching = group_into_cues(run_of("Good morning. Today we start."), ENGLISH)
    assert touching[0].end_ms == touching[1].start_ms == 600


def test_a_long_run_breaks_into_cues_of_two_balanced_lines() -> None:
    words = run_of(
        "이번 시간에는 파이썬의 함수와 변수 그리고 반복문을 차례로 자세히 살펴보겠습니다"
    )
    cues = group_into_cues(words, KOREAN)
    assert len(cues) > 1
    assert [len(cue.text.split("\n")) for cue in cues] == [2, 1]
    assert cues[0].text == "이번 시간에는 파이썬의 함수와\n변수 그리고 반복문을 차례로"


def test_two_lines_as_equal_as_can_be_the_lower_one_longer() -> None:
    narrow = CaptionStyle(max_line_chars=5)
    assert wrap(["aa", "bb", "cc"], narrow) == ["aa", "bb cc"]
    assert wrap(["aaaa", "b", "cc"], narrow) == ["aaaa", "b cc"]
    assert wrap(["aa", "bb"], narrow) == ["aa bb"]  # one line when it fits


@settings(max_examples=200)
@given(words=st.lists(st.text("ab가", min_size=1, max_size=8), min_size=1, max_size=8))
def test_the_longest_line_is_as_short_as_can_be(words: list[str]) -> None:
    style = CaptionStyle(max_line_chars=12)
    lines = wrap(words, style)
    if style.width(" ".join(words)) <= 12:  # one line whenever it fits
        assert lines == [" ".join(words)]
        return
    splits = [[" ".join(words[:cut]), " ".join(words[cut:])] for cut in range(1, len(words))]
    fitting = [max(map(style.width, split)) for split in splits]
    fitting = [width for width in fitting if width <= 12]
    if not fitting:
        assert lines is None
    else:
        assert lines is not None and max(map(style.width, lines)) == min(fitting)


def test_no_cue_lasts_longer_than_seven_seconds() -> None:
    words = run_of("one two three four five six seven eight nine ten", each=900)
    cues = group_into_cues(words, ENGLISH)
    assert all(cue.duration_ms <= 7000 for cue in cues)
    assert len(cues) >= 2


def test_a_lone_word_stays_for_the_minimum_duration_in_a_pause() -> None:
    cues = group_into_cues(said(("네", 1000, 1100), ("다음", 5000, 5300)), KOREAN)
    assert cues[0] == Cue(1000, 1833, "네")


def test_a_dense_cue_is_held_on_for_reading() -> None:
    # 30 characters said in one second: English reading speed (20 a second) wants 1.5 s.
    words = run_of("abcdefghij klmnopqrst uvwxyzabcd", each=330)
    (cue,) = group_into_cues(words, ENGLISH)
    assert cue.duration_ms == 1600  # 32 characters with the spaces, at 20 a second


def test_a_word_longer_than_a_line_is_cut_to_fit() -> None:
    (long_word,) = said(("https://example.com/a/very/long/address/of/a/lecture/page", 0, 2000))
    cues = group_into_cues([long_word], ENGLISH)
    assert all(ENGLISH.width(line) <= 42 for cue in cues for line in cue.text.split("\n"))
    assert "".join(cue.text.replace("\n", "") for cue in cues) == long_word.text


def test_markup_and_controls_never_reach_a_cue() -> None:
    (cue,) = group_into_cues(said(("<b>a&b</b>", 0, 500), ("x\x00-->y", 500, 900)), ENGLISH)
    assert cue.text == "bab/b x--y"


def test_overlapping_or_backward_times_are_made_monotonic() -> None:
    cleaned = clean_words(said(("b", 500, 400), ("a", 100, 900), ("c", 600, 700)), ENGLISH)
    assert [(w.text, w.start_ms, w.end_ms) for w in cleaned] == [
        ("a", 100, 900),
        ("b", 900, 901),
        ("c", 901, 902),
    ]


def test_korean_counts_latin_letters_and_spaces_as_half() -> None:
    assert KOREAN.width("파이썬 list") == 3 + 0.5 * 5
    assert ENGLISH.width("파이썬 list") == 8
    assert wrap(["가나다라마바사아자차카타파하가나", "다"], KOREAN) == [
        "가나다라마바사아자차카타파하가나",
        "다",
    ]
    assert wrap(["가" * 17], KOREAN) is None


def test_the_style_follows_the_language_tag() -> None:
    assert style_for("ko") is KOREAN and style_for("ko-KR") is KOREAN
    assert style_for("en") is ENGLISH and style_for("fr-CA") is ENGLISH
