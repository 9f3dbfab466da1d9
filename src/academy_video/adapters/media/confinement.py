"""The sandbox's child side (``sandbox.py`` is the parent's): the OS limits a child runs under,
the environment it keeps, and how it answers its parent.

The child answers in JSON, one ``[kind, value]`` message at a time, never in pickle: a decoder
bug that takes over the child must not reach the parent through its answer.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgspec

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
MEMORY_EXIT = 3  # the child's exit status after a MemoryError it could not report
M_ARENA_MAX, ARENAS = -8, 4

Report = Callable[[str, Any], None]  # what a child function calls to tell the parent as it goes


@dataclass(frozen=True)
class Limits:
    wall_seconds: float
    cpu_seconds: int
    memory_bytes: int
    file_bytes: int
    open_files: int = 256


class Refusal(Exception):
    """Raised inside the child to answer ``SandboxRefused(reason)`` in the parent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kept(name: str) -> bool:
    """What the child may keep of its environment: locale, paths, and the allocator's tuning."""
    return name in KEPT_ENVIRONMENT or allocator_tuning(name)


def allocator_tuning(name: str) -> bool:
    """An operator's own tuning of glibc's allocator, which the child keeps and respects."""
    return name.startswith("MALLOC_") or name == "GLIBC_TUNABLES"


def run_confined(
    connection: Connection, function: Callable[..., Any], args: tuple[Any, ...], limits: Limits
) -> None:
    """The child's whole life: confine itself, run ``function(*args, report)``, answer."""
    confine(limits)

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


def confine(limits: Limits) -> None:
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
    environment = {name: value for name, value in os.environ.items() if kept(name)}
    os.environ.clear()
    os.environ.update(environment)
    if not any(allocator_tuning(name) for name in environment):
        _cap_arenas()
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.dup2(null, 1)
        os.close(null)


def _cap_arenas() -> None:
    """glibc gives each thread that allocates its own arena, and reserves 64 MiB of address
    space for each: with a decoder's and an encoder's threads on a many-core machine, that
    reservation alone would pass RLIMIT_AS. A few arenas serve a pass as well (measured)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, ARENAS)
