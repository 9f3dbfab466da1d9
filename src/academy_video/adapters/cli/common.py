"""What several command families share: the refusal line, the log set-up, the differences
report and the audit key."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol

from academy_video.adapters.sql.verify import Difference
from academy_video.app.config import Settings


class Subcommands(Protocol):
    """What ``add_subparsers`` returns, as far as the families use it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


Command = Callable[[argparse.Namespace, Settings], int]

MAX_DIFFERENCES_SHOWN = 50

# One logger for every command's lines, named as the command's module always was.
log = logging.getLogger("academy_video.adapters.cli")


def refuse(message: str) -> int:
    """Say why on stderr; the exit status of a refused command line or setting."""
    print(f"academy-video: {message}", file=sys.stderr)
    return 2


def configure_logs(settings: Settings) -> bool:
    """The service's log lines (secrets masked); False, said on stderr, for an unknown format."""
    from academy_video.adapters import logs

    try:
        logs.configure(settings.log_format, secrets=settings.secret_values())
    except ValueError as error:
        refuse(str(error))
        return False
    return True


def report_differences(differences: list[Difference]) -> int:
    for difference in differences[:MAX_DIFFERENCES_SHOWN]:
        print(difference.describe())
    if len(differences) > MAX_DIFFERENCES_SHOWN:
        print(f"… and {len(differences) - MAX_DIFFERENCES_SHOWN} more")
    print(
        f"{len(differences)} rows differ from a rebuild"
        if differences
        else "read models equal a rebuild from the event log"
    )
    return 1 if differences else 0


def audit_key(settings: Settings) -> bytes:
    """The seal's key: the one set, or on the embedded default the one ``serve`` generated."""
    if not settings.audit_key and not settings.database_url:
        settings = settings.with_local_secrets()
    return settings.audit_key.encode()


def in_background(run: Callable[[threading.Event], object], name: str) -> Callable[[], None]:
    """``run(stop)`` in a daemon thread of this process; returns how to stop it (waiting a
    minute at most for the job in hand)."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(stop,), name=name, daemon=True)
    thread.start()

    def shut_down() -> None:
        stop.set()
        thread.join(timeout=60)

    return shut_down
