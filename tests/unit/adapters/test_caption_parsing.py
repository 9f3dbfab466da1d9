"""The parser on the corpus: both formats, both encodings, BOM, CRLF; broken files refused with
the line named; bounds and pathological inputs refused fast."""

from __future__ import annotations

import contextlib
import time

import pytest

from academy_video.adapters.captions.parsing import WebVttCaptionParser
from academy_video.app.errors import Invalid
from academy_video.domain.caption_cues import Cue
from academy_video.domain.caption_rules import (
    MAX_CAPTION_FILE_BYTES,
    MAX_CUES,
    MAX_SOURCE_LINE_CHARS,
    MAX_SOURCE_LINES,
    to_webvtt,
)
from tests.caption_corpus import (
    ENGLISH,
    KOREAN,
    korean_srt,
    many,
    srt,
    timed,
    vtt,
    with_bom,
)

parser = WebVttCaptionParser()
EXPECTED = [Cue(0, 1500, KOREAN[0]), Cue(2000, 3500, KOREAN[1]), Cue(4000, 5500, KOREAN[2])]


def refusal(data: bytes) -> str:
    with pytest.raises(Invalid) as refused:
        parser.parse(data)
    return str(refused.value)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(srt(timed(KOREAN)).encode(), id="srt-utf8"),
        pytest.param(with_bom(srt(timed(KOREAN))), id="srt-utf8-bom"),
        pytest.param(korean_srt("cp949"), id="srt-cp949-crlf"),
        pytest.param(korean_srt("euc_kr"), id="srt-euc-kr-crlf"),
        pytest.param(korean_srt("cp949", newline="\r"), id="srt-cp949-cr"),
        pytest.param(vtt(timed(KOREAN)).encode(), id="vtt-utf8"),
        pytest.param(with_bom(vtt(timed(KOREAN), newline="\r\n")), id="vtt-bom-crlf"),
        pytest.param(vtt(timed(KOREAN)).encode("cp949"), id="vtt-cp949"),
    ],
)
def test_both_formats_in_both_encodings_read_the_same_cues(data: bytes) -> None:
    parsed = parser.parse(data)
    assert parsed.cues == EXPECTED
    assert to_webvtt(parsed.cues).startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n안녕")


def test_each_cue_names_the_line_of_its_timings() -> None:
    # SubRip: index on line 1, timings on line 2; the next cue after a blank line.
    assert parser.parse(srt(timed(ENGLISH)).encode()).lines == [2, 6, 10]
    # WebVTT: header, blank line, then timings on line 3.
    assert parser.parse(vtt(timed(ENGLISH)).encode()).lines == [3, 6, 9]


def test_webvtt_comments_styles_identifiers_and_settings_are_not_carried_over() -> None:
    text = (
        "WEBVTT - Lecture 1\nKind: captions\n\nNOTE made by hand\n\nSTYLE\n::cue { color: red }\n"
        "\nintro\n00:01.000 --> 00:02.000 align:start line:0\n<v Kim>Hello <c.loud>all</c>\n"
    )
    parsed = parser.parse(text.encode())
    assert parsed.cues == [Cue(1000, 2000, "<v Kim>Hello <c.loud>all</c>")]
    assert parsed.lines == [10]
    assert to_webvtt(parsed.cues) == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Kim>Hello <c.loud>all</c>\n"
    )


def test_subrip_cues_without_their_index_are_read_too() -> None:
    text = "00:00:01,000 --> 00:00:02,000\nno index\n\n00:00:03,000 --> 00:00:04,000\nnor here\n"
    assert [c.text for c in parser.parse(text.encode()).cues] == ["no index", "nor here"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (srt(timed(ENGLISH)).encode("utf-16"), "line 1: UTF-16 is not accepted"),
        (srt(timed(["ok", "été"])).encode("latin-1"), "line 7: the encoding is neither"),
        (with_bom("1\n00:00:01,000 --> 00:00:02,000\nok\n") + b"\n\xff\xfe\n", "line 5: the file"),
        (b"1\n00:00:01,000 --> 00:00:0x,000\nbad\n", "line 2: malformed cue"),
        (b"WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\nstray text\n", "line 6: not a cue"),
        (b"WEBVTT\n\n00:01.000 --> 00:02.000 align:nowhere\nx\n", "line 3: malformed cue"),
        (b"1\n2\n3\n", "line 1: not a cue"),
        (b"WEBVTT\n\nNOTE only a note\n", "line 1: no cues"),
        (b"   \n\n", "line 1: the file is empty"),
    ],
)
def test_a_broken_file_is_refused_naming_its_line(data: bytes, expected: str) -> None:
    assert expected in refusal(data)


def test_bounds_are_checked_before_the_work_they_bound() -> None:
    too_big = b"x" * (MAX_CAPTION_FILE_BYTES + 1)
    assert refusal(too_big).startswith("caption_too_large")
    long_line = vtt(timed(["ok"])) + "\n" + "y" * (MAX_SOURCE_LINE_CHARS + 1) + "\n"
    assert f"line 6: over {MAX_SOURCE_LINE_CHARS} characters" in refusal(long_line.encode())
    blank_lines = b"WEBVTT\n" + b"\n" * MAX_SOURCE_LINES
    assert f"more than {MAX_SOURCE_LINES} lines" in refusal(blank_lines)
    over = vtt(many(MAX_CUES + 1, every_ms=100, length_ms=90)).encode()
    if len(over) <= MAX_CAPTION_FILE_BYTES:  # else the size bound refuses it first
        assert f"more than {MAX_CUES} cues" in refusal(over)


def test_ten_thousand_cues_parse_in_well_under_a_second_in_either_format() -> None:
    for data in (vtt(many(10_000)).encode(), srt(many(10_000)).encode("cp949")):
        # CPU time, not wall time: a busy machine (CI's two cores) must not fail it; a parser
        # gone quadratic would.
        began = time.process_time()
        parsed = parser.parse(data)
        assert len(parsed.cues) == 10_000
        assert time.process_time() - began < 2.0  # ~0.3 s measured on the 2-core machine


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"WEBVTT\n\n" + b"NOTE\n\n" * 90_000, id="notes"),
        pytest.param(b"1\n" + b"<" * 900 + b"\n" * 2, id="angle-brackets"),
        pytest.param(
            b"WEBVTT\n\n" + (b"00:01.000 --> 00:02.000\n" + b"<b" * 400 + b"\n\n") * 2000,
            id="unclosed-tags",
        ),
        pytest.param(b"-->" * 300 + b"\n" + b"\n-->\n" * 50_000, id="arrows"),
        pytest.param(b"\xea" * MAX_CAPTION_FILE_BYTES, id="undecodable"),
        pytest.param(b"1\n" * 199_000, id="indexes"),
    ],
)
def test_pathological_files_are_refused_or_read_quickly(data: bytes) -> None:
    began = time.process_time()
    with contextlib.suppress(Invalid):
        parser.parse(data)
    assert time.process_time() - began < 2.0  # CPU time (above)
