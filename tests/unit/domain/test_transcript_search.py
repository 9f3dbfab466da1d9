"""The transcript query's bounds, the cue words searched and the snippet: escaped, marked,
cut around the first match."""

from __future__ import annotations

import pytest

from academy_video.domain.errors import InvalidValue
from academy_video.domain.transcript_search import (
    MAX_LIMIT,
    cue_words,
    search_limit,
    search_query,
    snippet,
)


def test_a_query_is_normalised_and_bounded() -> None:
    assert search_query("  극한을\n  배웁니다 ") == "극한을 배웁니다"
    assert search_query("\u1100\u1161\u11a8\u1100\u1161") == "\uac01\uac00"  # NFC: 각가
    for bad in ("a", "", " x ", "x" * 101, "ab\u200b", "ab\x1b"):
        with pytest.raises(InvalidValue):
            search_query(bad)
    assert search_limit(None) == 20 and search_limit(MAX_LIMIT) == MAX_LIMIT
    for bad_limit in (0, -1, MAX_LIMIT + 1):
        with pytest.raises(InvalidValue):
            search_limit(bad_limit)


def test_cue_words_drop_webvtt_markup_and_read_entities() -> None:
    assert cue_words("<v Roger><b>Hi</b> &lt;there&gt;\n<00:00:01.500>you &amp; me") == (
        "Hi <there> you & me"
    )


def test_the_snippet_is_escaped_and_every_match_marked() -> None:
    assert snippet("a <script> & <SCRIPT>", "script") == (
        "a &lt;<mark>script</mark>&gt; &amp; &lt;<mark>SCRIPT</mark>&gt;"
    )
    assert snippet("no match here", "zz") == "no match here"


def test_a_long_cue_is_cut_around_the_first_match() -> None:
    text = "가" * 300 + "극한" + "나" * 300
    cut = snippet(text, "극한", width=40)
    assert cut.startswith("…") and cut.endswith("…")
    assert "<mark>극한</mark>" in cut
    assert len(cut.replace("<mark>", "").replace("</mark>", "")) == 42  # 40 and two "…"
