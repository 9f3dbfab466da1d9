"""Media work in a child process: an uploader's file is never decoded by the API process or by a
thread of ``serve``.

Each call forks a child from a fork server that imported PyAV once (a fork costs milliseconds;
a fresh interpreter importing PyAV would cost far more), and the child runs one function under
OS limits: address space, CPU time, file size, open files, no core dumps; the parent enforces
the wall time and kills the child on cancellation. The child keeps no secret of the parent: the
fork server is a fresh interpreter started with an environment holding only paths and locale
(``prepare``), and the child empties what is left of it before it opens anything.

The child answers in JSON, at most ``MAX_MESSAGE`` bytes a message, never in pickle: a decoder
bug that takes over the child must not reach the parent through its answer. A crash, a limit or
a timeout is a ``SandboxFailed`` with its reason; a refusal the child decided on is a
``SandboxRefused`` with the child's reason.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import io
import itertools
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgspec

log = logging.getLogger(__name__)

MAX_MESSAGE = 1024 * 1024
POLL_SECONDS = 0.25  # how often cancellation is checked while the child is silent
KEPT_ENVIRONMENT = (
    "PATH",
    "PYTHONPATH",  # where the fork server finds this package
    "LANG",
    "LC_ALL",
    "TZ",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
CHILD_MODULE = "academy_video.adapters.media.child"

Report = Callable[[str, Any], None]  # what a child function calls to tell the parent as it goes


@dataclass(frozen=True)
class Limits:
    wall_seconds: float
    cpu_seconds: int
    memory_bytes: int
    file_bytes: int
    open_files: int = 256


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


class Refusal(Exception):
    """Raised inside the child to answer ``SandboxRefused(reason)`` in the parent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload([CHILD_MODULE])


class _Launch(popen_forkserver.Popen):
    """The fork server's launch without the parent's ``__main__``: multiprocessing would run the
    parent's main script again in every child (for ``academy-video`` that imports the whole
    service: seconds per probe). A child needs only ``CHILD_MODULE``, preloaded. This is
    CPython 3.11's ``popen_forkserver.Popen._launch`` with the main entries left out."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = {
            name: value
            for name, value in spawn.get_preparation_data(process_obj._name).items()
            if name not in ("init_main_from_name", "init_main_from_path")
        }
        buffer = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buffer)
            reduction.dump(process_obj, buffer)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))  # type: ignore[attr-defined]
        with open(w, "wb", closefd=True) as file:
            file.write(buffer.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Child(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Launch:  # noqa: N802 (multiprocessing's name)
        return _Launch(process_obj)


_starting = threading.Lock()


def prepare() -> None:
    """Start the fork server, if it is not running, in an environment that holds only what a
    child may keep: a process's environment block is what it started with, whatever it removes
    later, and every child is a copy of the server's. ``run`` calls this; a long-running process
    calls it first thing at start-up (before it starts threads, which would see the emptied
    environment for that moment), so its first upload does not wait for PyAV to load either."""
    with _starting:
        if _server_running():
            return
        removed = {name: value for name, value in _environment() if not _kept(name)}
        known = {name: os.environ[name] for name in removed if name in os.environ}
        for name in removed:
            os.environ.pop(name, None)
            os.unsetenv(name)
        try:
            forkserver.ensure_running()
        finally:
            for name, value in removed.items():
                os.putenv(name, value)
            os.environ.update(known)


def _environment() -> list[tuple[str, str]]:
    """The process's environment as C code sees it: ``os.environ`` is a copy taken at start-up,
    and what a library set since (readline's LINES and COLUMNS, say) is only here."""
    environ = ctypes.POINTER(ctypes.c_char_p).in_dll(ctypes.CDLL(None), "environ")
    entries: list[tuple[str, str]] = []
    for index in itertools.count():
        entry = environ[index]
        if entry is None:
            return entries
        name, _, value = os.fsdecode(entry).partition("=")
        entries.append((name, value))
    return entries


def warm() -> None:
    """``prepare``, then wait until the fork server has loaded PyAV (it does so in the
    background: the first child would wait for it)."""
    run(_ready, (), Limits(wall_seconds=60, cpu_seconds=10, memory_bytes=2**32, file_bytes=0))


def _ready(report: Report) -> bool:
    return True


def _server_running() -> bool:
    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if pid is None:
        return False
    try:  # WNOWAIT: an ended server stays for ensure_running to reap and replace
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:
        return False


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
    receiving, sending = _context.Pipe(duplex=False)
    child = _Child(target=_child, args=(sending, function, args, limits), daemon=True)
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


def _kept(name: str) -> bool:
    """What the child may keep of its environment: locale, paths, and the allocator's tuning."""
    return name in KEPT_ENVIRONMENT or _tuned(name)


def _tuned(name: str) -> bool:
    return name.startswith("MALLOC_") or name == "GLIBC_TUNABLES"


def _cap_arenas() -> None:
    """glibc gives each thread that allocates its own arena, and reserves 64 MiB of address
    space for each: with a decoder's and an encoder's threads on a many-core machine, that
    reservation alone would pass RLIMIT_AS. A few arenas serve a pass as well (measured)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, ARENAS)


MEMORY_EXIT = 3  # the child's exit status after a MemoryError it could not report
M_ARENA_MAX, ARENAS = -8, 4


# In the child -----------------------------------------------------------------------------


def _child(
    connection: Connection, function: Callable[..., Any], args: tuple[Any, ...], limits: Limits
) -> None:
    _confine(limits)

    def send(kind: str, value: Any) -> None:
        connection.send_bytes(msgspec.json.encode([kind, value]))

    try:
        result = function(*args, send)
    except Refusal as refusal:
        # A decoder short of memory often just stops producing pictures, and the pass then
        # looks like a truncated source: a failure at the memory ceiling is the ceiling's.
        if _at_ceiling(limits.memory_bytes):
            send("limit", "memory_limit")
        else:
            send("refused", refusal.reason)
    except MemoryError:
        try:
            send("limit", "memory_limit")
        except MemoryError:
            os._exit(MEMORY_EXIT)
    except Exception as error:
        if isinstance(error, OSError) and error.errno == errno.EFBIG:
            # Python ignores SIGXFSZ: a write past RLIMIT_FSIZE fails with EFBIG instead.
            send("limit", "file_limit")
        else:  # our own bug, or one we did not foresee: its class names it
            send("error", type(error).__name__)
    else:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        send("usage", {"cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss})
        send("result", result)
    finally:
        connection.close()


def _at_ceiling(memory_bytes: int) -> bool:
    """Whether this process's address space came within 5 % of ``memory_bytes``."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1]) * 1024 >= memory_bytes * 0.95
    return False


def _confine(limits: Limits) -> None:
    """OS limits, an empty environment, and stderr to nowhere (FFmpeg's messages name the
    source, which for S3 is a presigned URL; the parent logs the reasons it is given)."""
    for name, value in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        _, hard = resource.getrlimit(name)
        unlimited = hard == resource.RLIM_INFINITY
        value = value if unlimited else min(value, hard)
        # CPU: the soft limit sends SIGXCPU (reported as cpu_limit), the hard one SIGKILL.
        spare = name == resource.RLIMIT_CPU and (unlimited or value < hard)
        resource.setrlimit(name, (value, value + 1 if spare else value))
    kept = {name: value for name, value in os.environ.items() if _kept(name)}
    os.environ.clear()
    os.environ.update(kept)
    if not any(_tuned(name) for name in kept):
        _cap_arenas()
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.dup2(null, 1)
        os.close(null)
