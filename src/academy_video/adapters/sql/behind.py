"""The thread that keeps the read models up behind the saves while ``Projector.behind`` is on
(the import: its Python and the projection's database writes overlap; docs/benchmarks.md,
Issue 19)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Behind:
    """The thread of ``Projector.behind``: catches each log up to the last save it was told
    of; a failure is logged and retried at the next save or on the way out (as ``_saved``)."""

    def __init__(self, catch_up: Callable[[str, int], int]) -> None:
        self.catch_up = catch_up
        self.wanted: dict[str, int] = {}
        self.changed = threading.Condition()
        self.done = False
        self.thread = threading.Thread(target=self.run, name="projector-behind", daemon=True)
        self.thread.start()

    def saved(self, app_name: str, until: int) -> None:
        with self.changed:
            self.wanted[app_name] = max(until, self.wanted.get(app_name, 0))
            self.changed.notify()

    def run(self) -> None:
        while True:
            with self.changed:
                while not self.wanted and not self.done:
                    self.changed.wait()
                if not self.wanted:
                    return
                wanted, self.wanted = self.wanted, {}
            for app_name, until in wanted.items():
                try:
                    self.catch_up(app_name, until)
                except Exception:
                    log.exception("projector: catch-up behind the saves failed; retried")

    def finish(self) -> None:
        with self.changed:
            self.done = True
            self.changed.notify()
        self.thread.join()
