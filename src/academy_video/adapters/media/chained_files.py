"""Files read one after the other as one stream: a rung's segments handed to the demuxer
without joining them in memory."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any


class ChainedFiles(io.RawIOBase):
    """The segments read one after the other as one stream, never all in memory at once (a
    rung of an hour is a gigabyte)."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = list(reversed(paths))
        self.current: io.BufferedReader | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self.current is None:
                if not self.paths:
                    return 0
                self.current = self.paths.pop().open("rb")
            count = self.current.readinto(buffer)
            if count:
                return count
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None
        super().close()
