"""Playlists served with signed references: every URI a playlist names (variant playlists,
segments, the AES key) is rewritten into an absolute, signed URL, so a player that received one
signed master URL reaches everything below it without custom code. What the embedded default
does when it serves media, and what an edge worker does in production (docs/cdn.md)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')

Sign = Callable[[str], str]  # an absolute path → the URL to put in the playlist


def rewrite(text: str, playlist_path: str, sign: Sign) -> str:
    """``playlist_path`` is the playlist's own absolute path (its URIs are relative to it)."""
    base = posixpath.dirname(playlist_path)
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            if "URI=" in line:
                line = _URI_ATTRIBUTE.sub(
                    lambda m: f'URI="{sign(_absolute(base, m.group(1)))}"', line
                )
        elif line.strip():
            line = sign(_absolute(base, line.strip()))
        lines.append(line)
    return "\n".join(lines) + "\n"


def _absolute(base: str, uri: str) -> str:
    if "://" in uri:
        raise ValueError(f"a playlist must not name another host: {uri!r}")
    path = uri.split("?", 1)[0]
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(base, path))
