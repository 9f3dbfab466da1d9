"""The bigram tokens a two-character transcript query is found by (``transcript_tables.py``)."""

from __future__ import annotations

from academy_video.adapters.sql.transcript_tables import bigram_token, bigram_tokens


def test_bigram_tokens_hold_each_words_pairs_casefolded_as_letters() -> None:
    tokens = bigram_tokens("극한을 Ab.").split()
    assert tokens == [bigram_token(p) for p in ("극한", "한을", "ab", "b.")]
    assert all(t.isalpha() and t.isascii() for t in tokens)
