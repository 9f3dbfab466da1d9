"""Functions the sandbox tests run in a child process (importable by name, as a child needs)."""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path
from typing import Any

from academy_video.adapters.media.sandbox import Refusal, Report


def answer(value: Any, report: Report) -> Any:
    report("progress", 50)
    return value


def refuse(reason: str, report: Report) -> None:
    raise Refusal(reason)


def allocate(mib: int, report: Report) -> int:
    return len(bytearray(mib * 1024 * 1024))


def spin(report: Report) -> None:
    while True:
        pass


def wait(seconds: float, report: Report) -> None:
    time.sleep(seconds)


def crash(report: Report) -> None:
    ctypes.string_at(0)  # a read of address 0: SIGSEGV


def write(path: str, mib: int, report: Report) -> None:
    with Path(path).open("wb") as file:
        for _ in range(mib):
            file.write(bytes(1024 * 1024))


def environment(report: Report) -> dict[str, str]:
    return dict(os.environ)


def fail(report: Report) -> None:
    raise KeyError("a bug of ours")


def report_forever(report: Report) -> None:
    while True:
        report("progress", 1)
        time.sleep(0.01)
