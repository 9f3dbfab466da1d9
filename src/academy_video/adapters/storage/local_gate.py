"""How an upload lands in the local store: stamped, then renamed into place under a lock that
also guards the seals, so a key sealed once takes no upload after it (the local disk's answer
to URLs that were handed out and cannot be recalled)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from academy_video.app.errors import Conflict

SEALED_DIR = ".sealed"  # one empty marker per sealed key: ``.sealed/<key>``
LOCK_FILE = ".install.lock"


class Gate:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._stamp_lock = threading.Lock()
        self._last_stamp = 0

    def seal(self, key: str) -> None:
        """From now on (and across restarts) ``install`` refuses ``key``. ``key`` is checked."""
        marker = self.root / SEALED_DIR / key
        with self._locked():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()

    def check_open(self, key: str) -> None:
        if (self.root / SEALED_DIR / key).exists():
            raise Conflict("upload_closed")

    def install(self, temporary: Path, target: Path, key: str) -> None:
        """Rename an upload of ``key`` (the object, or one of its parts) into place, unless the
        key was sealed meanwhile: the check and the rename are one step for ``seal``."""
        with self._locked():
            self.check_open(key)
            os.replace(temporary, target)

    def stamp(self, path: Path) -> None:
        """Give a file about to be renamed into place a modification time no other write of
        this store has (nanoseconds, strictly rising), so ``version_tag`` tells writes apart
        even on a file system whose clock ticks coarsely."""
        with self._stamp_lock:
            self._last_stamp = max(time.time_ns(), self._last_stamp + 1)
            stamp = self._last_stamp
        os.utime(path, ns=(stamp, stamp))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An flock on a file of the store: it holds across threads (each call opens its own
        descriptor) and processes alike. Held only for a rename or a marker's creation."""
        descriptor = os.open(self.root / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock


def version_tag(stat: os.stat_result) -> str:
    """The local disk's ETag: size, modification time and inode. Every write renames a new
    file into place (a new inode) stamped with a fresh time, so any rewrite changes the tag.
    Restoring the store from a copy changes it too: sources still awaiting a worker then fail
    with ``source_changed`` and are uploaded again."""
    return f"{stat.st_size:x}-{stat.st_mtime_ns:x}-{stat.st_ino:x}"
