"""Functions the sandbox tests run in a child process (importable by name, as a child needs)."""

from __future__ import annotations

import contextlib
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


def environment_block(report: Report) -> list[str]:
    """The names in the environment the process started with (what /proc shows of it)."""
    block = Path("/proc/self/environ").read_bytes()
    return sorted({entry.split(b"=", 1)[0].decode() for entry in block.split(b"\0") if entry})


def garbage(report: Report) -> None:
    """A child taken over: it writes what no child of ours writes, on its own connection."""
    [connection] = [cell.cell_contents for cell in report.__closure__ or ()]
    connection.send_bytes(b"\x93not json")


def open_files(count: int, report: Report) -> int:
    with contextlib.ExitStack() as stack:
        for _ in range(count):
            stack.enter_context(Path(os.devnull).open("rb"))
        return count
