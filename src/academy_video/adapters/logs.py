"""The process's log lines: one JSON object per line (``ACADEMY_VIDEO_LOG_FORMAT=json``, the
default), or plain text. Standard library only.

A JSON line has ``ts`` (ISO-8601, UTC), ``level``, ``logger``, ``msg``, ``request_id`` when it
was written while serving a request, ``exc`` when there was an exception, and whatever the call
passed as ``extra=``.

Every line, in either format, goes through ``redaction.Redactor`` once formatted: message, args,
extras and exception text alike lose presigned signatures, media signatures, bearer credentials,
JWTs, playback tokens and the process's configured secrets (``configure(secrets=...)``).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from .redaction import Redactor

# Set by the HTTP middleware for the request being served (each request runs in its own task,
# and sync handlers' threads get a copy of its context).
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
FORMATS = ("json", "text")

# What every LogRecord has: anything else on a record came from ``extra=``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",  # Python 3.12+
    "color_message",  # uvicorn's copy of the message with terminal colours
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id is not None:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        # default=str: an extra that JSON cannot hold is written as its str, never lost.
        return json.dumps(entry, default=str)


class RedactingFormatter(logging.Formatter):
    """``inner``'s line with its secrets taken out: the whole line, so that nothing a record
    carries (an extra, an exception's text, a traceback) can slip past."""

    def __init__(self, inner: logging.Formatter, redactor: Redactor) -> None:
        super().__init__()
        self.inner, self.redactor = inner, redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor(self.inner.format(record))


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    raise ValueError(f"ACADEMY_VIDEO_LOG_FORMAT: {log_format!r} is not one of {', '.join(FORMATS)}")


def configure(
    log_format: str,
    *,
    level: int = logging.INFO,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Send every record of the process to ``stream`` (stderr) in ``log_format``, redacted (with
    ``secrets``, the configured ones, taken out wherever they appear); replaces the root logger's
    handlers. Raises ValueError for an unknown format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(formatter(log_format), Redactor(secrets)))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs each request line at INFO: a webhook target's path and query are the
    # receiver's, and may carry its own token.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    # Warnings become records too, so that every line of the process is in one format.
    logging.captureWarnings(True)
