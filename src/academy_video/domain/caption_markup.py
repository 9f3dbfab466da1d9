"""What a cue's text may hold: plain text and WebVTT's own cue markup, nothing else.

WebVTT's tags are ``<b>``, ``<i>``, ``<u>``, ``<c>`` (each with optional ``.classes``),
``<v annotation>``, ``<lang tag>``, ``<ruby>``, ``<rt>`` and their end tags, and timestamps
(``<00:00:01.500>``). Anything else (``<font color=…>``, ``<script>``, a stray ``<``) is refused
rather than carried into a file that players render: a caption file is uploaded by staff but
shown to every student, so it holds only what WebVTT itself draws.

The scan is linear in the text: each ``<`` is matched with the next ``>`` once, and only the
bounded inside of one tag is matched against a pattern.
"""

from __future__ import annotations

import re

STYLED_TAGS = frozenset({"b", "i", "u", "c", "ruby", "rt"})  # classes allowed, no annotation
ANNOTATED_TAGS = frozenset({"v", "lang"})  # an annotation (a speaker, a language) required
TAGS = STYLED_TAGS | ANNOTATED_TAGS
MAX_TAG_CHARS = 200  # the inside of one tag: a speaker's name or a class list fits

_CLASSES = r"(?:\.[^\s.<>&]+)*"
_STYLED = re.compile(rf"(?P<name>[a-z]+){_CLASSES}")
_ANNOTATED = re.compile(rf"(?P<name>[a-z]+){_CLASSES}[ \t](?P<annotation>[^<>]+)")
_TIMESTAMP = re.compile(r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}")


def markup_problem(text: str) -> str | None:
    """Why ``text`` is not plain text with WebVTT's own markup (None when it is)."""
    position = 0
    while (start := text.find("<", position)) != -1:
        end = text.find(">", start + 1)
        if end == -1 or "\n" in text[start:end]:
            return "a '<' that starts no tag (write it as &lt;)"
        problem = tag_problem(text[start + 1 : end])
        if problem is not None:
            return problem
        position = end + 1
    return None


def tag_problem(inside: str) -> str | None:
    """Why ``<inside>`` is not one of WebVTT's tags (None when it is)."""
    shown = inside if len(inside) <= 40 else inside[:40] + "…"
    refused = f"markup <{shown}> is not WebVTT's (only b, i, u, c, v, lang, ruby, rt, timestamps)"
    if not inside or len(inside) > MAX_TAG_CHARS:
        return refused
    if inside[0] == "/":
        return None if inside[1:] in TAGS else refused
    if inside[0].isdigit():
        return None if _TIMESTAMP.fullmatch(inside) else refused
    styled = _STYLED.fullmatch(inside)
    if styled is not None:
        name = styled.group("name")
        if name in STYLED_TAGS:
            return None
        return f"<{name}> needs an annotation" if name in ANNOTATED_TAGS else refused
    annotated = _ANNOTATED.fullmatch(inside)
    if annotated is not None and annotated.group("name") in ANNOTATED_TAGS:
        return None
    return refused
