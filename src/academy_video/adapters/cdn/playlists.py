"""Playlists served with signed references: every URI a playlist names (variant playlists,
segments, the AES key) is rewritten into an absolute, signed URL, so a player that received one
signed master URL reaches everything below it without custom code. What the embedded default
does when it serves media, and what an edge worker does in production (docs/cdn.md)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

# One attribute of a tag's list (RFC 8216 4.2); read in turn, so text inside a quoted value (a
# subtitle track's NAME) is never taken for a URI.
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^",]*)')

Sign = Callable[[str], str]  # an absolute path → the URL to put in the playlist


def rewrite(text: str, playlist_path: str, sign: Sign) -> str:
    """``playlist_path`` is the playlist's own absolute path (its URIs are relative to it)."""
    base = posixpath.dirname(playlist_path)
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            if "URI=" in line:
                line = _signed_uri_attribute(line, lambda uri: sign(_absolute(base, uri)))
        elif line.strip():
            line = sign(_absolute(base, line.strip()))
        lines.append(line)
    return "\n".join(lines) + "\n"


def _signed_uri_attribute(line: str, signed: Callable[[str], str]) -> str:
    """The tag with its ``URI="…"`` attribute signed; a list that does not parse is left as it
    is (its URI then carries no signature: the edge refuses it)."""
    tag, _, rest = line.partition(":")
    parts, at = [], 0
    while at < len(rest):
        found = _ATTRIBUTE.match(rest, at)
        if found is None:
            return line
        name, value = found.groups()
        if name == "URI" and value.startswith('"'):
            value = f'"{signed(value[1:-1])}"'
        parts.append(f"{name}={value}")
        at = found.end()
        if at < len(rest):
            if rest[at] != ",":
                return line
            at += 1
    return f"{tag}:{','.join(parts)}"


def _absolute(base: str, uri: str) -> str:
    if "://" in uri:
        raise ValueError(f"a playlist must not name another host: {uri!r}")
    path = uri.split("?", 1)[0]
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(base, path))
