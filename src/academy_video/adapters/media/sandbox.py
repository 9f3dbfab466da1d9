"""Media work in a child process: an uploader's file is never decoded by the API process or by a
thread of ``serve``.

Each call forks a child from a fork server that imported PyAV once (``fork_server.py``), and
the child runs one function under OS limits: address space, CPU time, file size, open files, no
core dumps (``confinement.py``); the parent, here, enforces the wall time and kills the child on
cancellation. The child keeps no secret of the parent: the fork server is a fresh interpreter
started with an environment holding only paths and locale (``prepare``), and the child empties
what is left of it before it opens anything.

The child answers in JSON, at most ``MAX_MESSAGE`` bytes a message, never in pickle: a decoder
bug that takes over the child must not reach the parent through its answer. A crash, a limit or
a timeout is a ``SandboxFailed`` with its reason; a refusal the child decided on is a
``SandboxRefused`` with the child's reason.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from typing import Any

import msgspec

from .confinement import KEPT_ENVIRONMENT, MEMORY_EXIT, Limits, Refusal, Report, run_confined
from .fork_server import CONTEXT, ChildProcess, prepare

__all__ = [
    "KEPT_ENVIRONMENT",
    "MAX_MESSAGE",
    "Limits",
    "Refusal",
    "Report",
    "SandboxFailed",
    "SandboxRefused",
    "prepare",
    "run",
    "warm",
]

log = logging.getLogger(__name__)

MAX_MESSAGE = 1024 * 1024
POLL_SECONDS = 0.25  # how often cancellation is checked while the child is silent


class SandboxFailed(Exception):
    """The child ended without answering: ``timeout``, ``memory_limit``, ``cpu_limit``,
    ``file_limit``, ``crashed`` or ``cancelled``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SandboxRefused(Exception):
    """The child's own verdict on the media (``unreadable``, ``frame_too_large``, …)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def warm() -> None:
    """``prepare``, then wait until the fork server has loaded PyAV (it does so in the
    background: the first child would wait for it)."""
    run(_ready, (), Limits(wall_seconds=60, cpu_seconds=10, memory_bytes=2**32, file_bytes=0))


def _ready(report: Report) -> bool:
    return True


def run(
    function: Callable[..., Any],
    args: tuple[Any, ...],
    limits: Limits,
    *,
    on_report: Callable[[str, Any], float | None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Any:
    """``function(*args, report)`` in a child; returns what it returned (JSON-shaped).

    ``on_report(kind, value)`` sees each report; a number it returns is the new wall limit, in
    seconds from the start (a transcode learns the source's length once it is open). The last
    report before an answer is ``usage``: the child's CPU seconds and peak memory (KiB)."""
    prepare()
    receiving, sending = CONTEXT.Pipe(duplex=False)
    child = ChildProcess(target=run_confined, args=(sending, function, args, limits), daemon=True)
    started = time.monotonic()
    deadline = started + limits.wall_seconds
    child.start()
    sending.close()  # the child's end: EOF when the child is gone
    try:
        while True:
            if cancelled is not None and cancelled():
                raise SandboxFailed("cancelled")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxFailed("timeout")
            if not receiving.poll(min(remaining, POLL_SECONDS)):
                continue
            try:
                kind, value = _decode(receiving.recv_bytes(MAX_MESSAGE))
            except EOFError:
                break  # gone without answering: its exit status says why
            except (OSError, ValueError, msgspec.DecodeError):
                raise SandboxFailed("crashed") from None  # no child of ours writes that
            if kind == "result":
                return value
            if kind == "refused":
                raise SandboxRefused(str(value)[:200])
            if kind == "limit" and value in ("memory_limit", "file_limit"):
                raise SandboxFailed(value)
            if kind == "error":
                log.warning("sandbox: the child failed unexpectedly (%s)", str(value)[:200])
                raise SandboxFailed("crashed")
            if on_report is not None:
                limit = on_report(kind, value)
                if limit is not None:
                    deadline = started + limit
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiving.close()
    raise SandboxFailed(_reason(child.exitcode))


def _decode(raw: bytes) -> tuple[str, Any]:
    message = msgspec.json.decode(raw)
    if not (isinstance(message, list) and len(message) == 2 and isinstance(message[0], str)):
        raise ValueError("not a message")
    return message[0], message[1]


def _reason(exitcode: int | None) -> str:
    """Why a child ended without answering, from how it ended."""
    signals = {
        -signal.SIGXCPU: "cpu_limit",
        -signal.SIGXFSZ: "file_limit",
        # Allocation failures under RLIMIT_AS abort in code that does not check them, and the
        # kernel's OOM killer sends SIGKILL (our own kill is reported before we get here).
        -signal.SIGKILL: "memory_limit",
    }
    if exitcode == MEMORY_EXIT:
        return "memory_limit"
    return signals.get(exitcode or 0, "crashed")
