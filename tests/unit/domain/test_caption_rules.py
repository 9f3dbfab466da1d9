"""The cue rules, the markup allowed in a cue, and the language tags, as pure functions."""

from __future__ import annotations

import pytest

from academy_video.domain.caption_cues import Cue
from academy_video.domain.caption_language import canonical_language
from academy_video.domain.caption_markup import markup_problem
from academy_video.domain.caption_rules import (
    MAX_CUE_CHARS,
    MAX_CUE_LINES,
    MAX_CUES,
    cue_text_problem,
    first_cue_problem,
    timestamp,
    to_webvtt,
    video_end_ms,
)
from academy_video.domain.errors import InvalidValue

OK = [Cue(0, 1000, "one"), Cue(1000, 2000, "two"), Cue(2500, 4000, "three")]


def test_cues_in_order_within_the_video_pass() -> None:
    assert first_cue_problem(OK, end_ms=4000) is None
    assert first_cue_problem(OK, end_ms=None) is None  # duration unknown: not checked


@pytest.mark.parametrize(
    ("cues", "index", "words"),
    [
        ([Cue(-5, 1000, "x")], 0, "negative time"),
        ([Cue(2000, 1000, "x")], 0, "ends (00:00:01.000) before it starts (00:00:02.000)"),
        ([Cue(1000, 1000, "x")], 0, "before it starts"),
        ([*OK[:2], Cue(1500, 3000, "x")], 2, "cues overlap or are out of order"),
        ([OK[1], OK[0]], 1, "cues overlap or are out of order"),
        ([*OK, Cue(4000, 4001, "x")], 3, "past the video's end (00:00:04.000)"),
        ([Cue(0, 10, " ")], 0, "empty text"),
        ([Cue(0, 10, "a\n\nb")], 0, "a blank line inside the cue"),
        ([Cue(0, 10, "a --> b")], 0, "'-->' in the text"),
        ([Cue(0, 10, "bell\x07")], 0, "a control character"),
        ([Cue(0, 10, "x" * (MAX_CUE_CHARS + 1))], 0, f"over {MAX_CUE_CHARS} characters"),
        ([Cue(0, 10, "\n".join("x" * (MAX_CUE_LINES + 1)))], 0, f"more than {MAX_CUE_LINES}"),
        ([Cue(0, 10, '<font color="red">x</font>')], 0, 'markup <font color="red">'),
    ],
)
def test_the_first_broken_cue_is_named_with_why(cues: list[Cue], index: int, words: str) -> None:
    problem = first_cue_problem(cues, end_ms=4000)
    assert problem is not None
    assert problem[0] == index
    assert words in problem[1]


def test_too_many_cues_are_refused_at_the_first_one_past_the_bound() -> None:
    cues = [Cue(i * 10, i * 10 + 5, "x") for i in range(MAX_CUES + 1)]
    assert first_cue_problem(cues, None) == (MAX_CUES, f"more than {MAX_CUES} cues")


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "<b>bold</b> <i>it</i> <u>under</u>",
        "<c.yellow.bg_blue>classes</c>",
        "<v Kim Minsu>speaker</v>",
        "<v.loud Kim>speaker with class</v>",
        "<lang en>English</lang>",
        "<ruby>漢<rt>한</rt></ruby>",
        "karaoke <00:00:01.500>timed <01:00:02.000>words",
        "a &lt; b &amp; c",
    ],
)
def test_webvtts_own_markup_is_allowed(text: str) -> None:
    assert markup_problem(text) is None
    assert cue_text_problem(text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('<font color="red">x</font>', "markup <font"),
        ("<script>alert(1)</script>", "markup <script>"),
        ('<i class="x">y</i>', "markup <i class"),
        ("<img src=x onerror=y>", "markup <img"),
        ("<v>nobody</v>", "<v> needs an annotation"),
        ("<lang>x</lang>", "<lang> needs an annotation"),
        ("1 < 2", "a '<' that starts no tag"),
        ("<b\n>", "a '<' that starts no tag"),
        ("<00:00:99.000>", "markup <00:00:99.000>"),
        ("</font>", "markup </font>"),
        ("<>", "markup <>"),
        ("<" + "b" * 300 + ">", "markup <bbbb"),
    ],
)
def test_other_markup_is_refused_naming_it(text: str, words: str) -> None:
    problem = markup_problem(text)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("ko", "ko"),
        ("KO-kr", "ko-KR"),
        ("en-us", "en-US"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("sr-Latn", "sr-Latn"),
        ("es-419", "es-419"),
        ("de-CH-1996", "de-CH-1996"),
        ("en-US-x-lecture", "en-US-x-lecture"),
        ("zh-yue", "zh-yue"),
        ("en-a-bbb-b-ccc", "en-a-bbb-b-ccc"),
    ],
)
def test_well_formed_bcp47_tags_come_out_in_canonical_case(tag: str, canonical: str) -> None:
    assert canonical_language(tag) == canonical


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "k",
        "korean",
        "ko_KR",
        "ko-",
        "-ko",
        "ko-KR-",
        "i-klingon",
        "ko/../x",
        "ko.vtt",
        "de-1996-1996",
        "en-a-bbb-a-ccc",
        "x" * 36,
        "ko KR",
        "ко",
        "en-US-x",
    ],
)
def test_anything_else_is_not_a_language(tag: str) -> None:
    with pytest.raises(InvalidValue):
        canonical_language(tag)


def test_the_normalised_file_is_plain_webvtt() -> None:
    assert to_webvtt(OK[:2]) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\none\n\n00:00:01.000 --> 00:00:02.000\ntwo\n"
    )
    assert timestamp(3_723_004) == "01:02:03.004"
    assert video_end_ms(8.0105) == 8011
    assert video_end_ms(None) is None
