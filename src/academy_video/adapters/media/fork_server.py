"""The fork server every sandboxed child is forked from: started once, with PyAV imported (a fork
costs milliseconds; a fresh interpreter importing PyAV would cost far more), in an environment
that holds only what a child may keep (``confinement.kept``).
"""

from __future__ import annotations

import ctypes
import io
import itertools
import multiprocessing
import os
import threading
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from typing import Any

from .confinement import kept

CHILD_MODULE = "academy_video.adapters.media.child"

CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload([CHILD_MODULE])


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


class ChildProcess(context.ForkServerProcess):
    """A process forked from the fork server, launched without the parent's ``__main__``."""

    @staticmethod
    def _Popen(process_obj: Any) -> _Launch:  # noqa: N802 (multiprocessing's name)
        return _Launch(process_obj)


_starting = threading.Lock()


def prepare() -> None:
    """Start the fork server, if it is not running, in an environment that holds only what a
    child may keep: a process's environment block is what it started with, whatever it removes
    later, and every child is a copy of the server's. ``sandbox.run`` calls this; a long-running
    process calls it first thing at start-up (before it starts threads, which would see the
    emptied environment for that moment), so its first upload does not wait for PyAV to load
    either."""
    with _starting:
        if _server_running():
            return
        removed = {name: value for name, value in _environment() if not kept(name)}
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


def _server_running() -> bool:
    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if pid is None:
        return False
    try:  # WNOWAIT: an ended server stays for ensure_running to reap and replace
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:
        return False
