"""A caption track's language: a well-formed BCP 47 tag (RFC 5646's ``langtag``), in its
canonical case (``ko``, ``en-US``, ``zh-Hant-TW``, ``sr-Latn``).

The tag names the track in its URL (``…/captions/ko``) and in its storage key, so only the
``langtag`` production is taken: a 2- or 3-letter language (with extended subtags), then script,
region, variants, extensions and a private use part. Grandfathered tags and 4- to 8-letter
languages (reserved, or registered with none in use) are refused; so is a variant or an
extension singleton given twice (RFC 5646, 2.2.5 and 2.2.6).
"""

from __future__ import annotations

import re

from .errors import InvalidValue

MAX_LANGUAGE_CHARS = 35  # the length RFC 5646 (4.4.1) asks every implementation to support

_LANGTAG = re.compile(
    r"(?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3})"
    r"(?:-(?P<script>[a-z]{4}))?"
    r"(?:-(?P<region>[a-z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*)"
    r"(?P<extensions>(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*)"
    r"(?P<private>-x(?:-[a-z\d]{1,8})+)?",
    re.ASCII,
)


def canonical_language(tag: str) -> str:
    """``tag`` in its canonical case; InvalidValue when it is not a well-formed BCP 47 tag."""
    if not 2 <= len(tag) <= MAX_LANGUAGE_CHARS:
        raise InvalidValue("language", f"language: not a BCP 47 tag ({tag[:40]!r})")
    match = _LANGTAG.fullmatch(tag.lower())
    if match is None:
        raise InvalidValue("language", f"language: not a BCP 47 tag ({tag!r})")
    variants = match.group("variants").split("-")[1:]
    singletons = [s for s in match.group("extensions").split("-")[1:] if len(s) == 1]
    if len(set(variants)) != len(variants) or len(set(singletons)) != len(singletons):
        raise InvalidValue("language", f"language: a repeated subtag ({tag!r})")
    parts: list[str] = []
    for index, part in enumerate(match.group(0).split("-")):
        if index and len(part) == 2 and not _after_singleton(parts):
            part = part.upper()  # a region
        elif index and len(part) == 4 and part.isalpha() and not _after_singleton(parts):
            part = part.title()  # a script
        parts.append(part)
    return "-".join(parts)


def _after_singleton(parts: list[str]) -> bool:
    """An extension's or private use's subtags keep lower case (RFC 5646, 2.1.1)."""
    return any(len(part) == 1 for part in parts)
