"""Transcript search: the bounds of a query and the snippet a hit answers with.

A query is plain text matched as a substring of a cue's text, case-insensitively (Korean has
no case; trigram indexes serve substrings, which suits a language whose words take particles:
"강의를" holds "강의"). A snippet is the cue's text around the first match, HTML-escaped, the
matches marked ``<mark>…</mark>``: a cue may hold ``<`` and WebVTT tags, and a browser must
show them as text, never run them.
"""

from __future__ import annotations

import html
import re
import unicodedata

from .errors import InvalidValue

MIN_QUERY_CHARS = 2  # "강의": two syllables make a Korean word
MAX_QUERY_CHARS = 100
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
SNIPPET_CHARS = 160  # of the cue's text, around the first match
SEARCHES_PER_MINUTE = 30  # a caller's searches (each scans an index)

# WebVTT's own tags and timestamps (``<b>``, ``</i>``, ``<v Roger>``, ``<00:00:01.500>``): a
# snippet shows the words, not the markup. What is left (``&lt;`` written as text) is escaped.
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<\d{2}:\d{2}(?::\d{2})?\.\d{3}>")
_ENTITY = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&nbsp;": " ", "&lrm;": "", "&rlm;": ""}
_ENTITIES = re.compile("|".join(map(re.escape, _ENTITY)))


def search_query(raw: str) -> str:
    """The query as searched: NFC, spaces collapsed; ``InvalidValue`` ("q: …") outside the
    bounds or with a control character."""
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in text):
        raise InvalidValue("q", "q: control or unassigned characters")
    if len(text) < MIN_QUERY_CHARS:
        raise InvalidValue("q", f"q: at least {MIN_QUERY_CHARS} characters")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidValue("q", f"q: at most {MAX_QUERY_CHARS} characters")
    return text


def search_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue("limit", f"limit: 1 to {MAX_LIMIT}")
    return limit


def cue_words(text: str) -> str:
    """A cue's text as searched and shown: its markup removed, entities read, lines joined."""
    plain = _ENTITIES.sub(lambda m: _ENTITY[m.group()], _TAG.sub("", text))
    return " ".join(unicodedata.normalize("NFC", plain).split())


def snippet(text: str, query: str, *, width: int = SNIPPET_CHARS) -> str:
    """``text`` (already ``cue_words``) around the first match of ``query``, at most ``width``
    characters of it, HTML-escaped, every match in it marked; "…" where it was cut."""
    folded, needle = text.casefold(), query.casefold()
    # casefold keeps lengths for Hangul and ASCII; where it does not (ß → ss), fall back to
    # lower(), which does for everything a cue may hold but a few ligatures.
    if len(folded) != len(text) or len(needle) != len(query):
        folded, needle = text.lower(), query.lower()
    first = folded.find(needle) if len(folded) == len(text) else -1
    start = 0
    if first >= 0 and len(text) > width:
        start = max(0, min(first - (width - len(needle)) // 2, len(text) - width))
    end = min(len(text), start + width)
    parts, at = [], start
    while needle and first >= 0:
        found = folded.find(needle, at, end)
        if found < 0 or found + len(needle) > end:
            break
        parts.append(html.escape(text[at:found]))
        parts.append(f"<mark>{html.escape(text[found : found + len(needle)])}</mark>")
        at = found + len(needle)
    parts.append(html.escape(text[at:end]))
    return ("…" if start > 0 else "") + "".join(parts) + ("…" if end < len(text) else "")
