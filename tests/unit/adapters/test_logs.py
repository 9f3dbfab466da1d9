"""The log formats: a JSON object per line (request id, exception, extras) or the plain text,
both redacted."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from academy_video.adapters import logs
from academy_video.adapters.redaction import REDACTED

from .test_redaction import (
    AMZ_SIG,
    JWT,
    MEDIA,
    MEDIA_SIG,
    PLAYBACK,
    PRESIGNED,
    SESSION_TOKEN,
)


def _record(**extra: object) -> logging.LogRecord:
    logger = logging.getLogger("academy_video.test")
    return logger.makeRecord(
        logger.name, logging.WARNING, __file__, 1, "video %s: %s", (7, "gone"), None, extra=extra
    )


def test_a_json_line_has_the_fields_and_the_extras() -> None:
    line = logs.JsonFormatter().format(_record(video_id=7, took=[1, 2], when=datetime(2024, 1, 1)))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "academy_video.test"
    assert entry["msg"] == "video 7: gone"
    assert entry["video_id"] == 7 and entry["took"] == [1, 2]
    assert entry["when"] == "2024-01-01 00:00:00"  # not JSON: written as its str
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["ts"])
    when = datetime.fromisoformat(entry["ts"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - when).total_seconds()) < 60
    assert "request_id" not in entry and "exc" not in entry
    # Nothing of the LogRecord's own bookkeeping leaks into the line.
    assert set(entry) == {"ts", "level", "logger", "msg", "video_id", "took", "when"}


def test_a_json_line_written_inside_a_request_has_its_id() -> None:
    def inside() -> str:
        logs.REQUEST_ID.set("req-1")
        return logs.JsonFormatter().format(_record())

    assert json.loads(contextvars.copy_context().run(inside))["request_id"] == "req-1"
    assert "request_id" not in json.loads(logs.JsonFormatter().format(_record()))


def test_an_exception_is_serialised_into_exc() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("academy_video.test.exc")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError('bad "input"\nsecond line')
        except ValueError:
            logger.exception("it failed")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1  # the traceback's newlines are escaped inside the one line
    entry = json.loads(lines[0])
    assert entry["msg"] == "it failed" and entry["level"] == "ERROR"
    assert entry["exc"].startswith("Traceback (most recent call last):")
    assert entry["exc"].endswith('ValueError: bad "input"\nsecond line')


@pytest.fixture
def root_logging() -> Iterator[None]:
    """configure() replaces the root handlers: give pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.mark.usefixtures("root_logging")
def test_text_keeps_the_plain_format() -> None:
    stream = io.StringIO()
    logs.configure("text", stream=stream)
    logging.getLogger("academy_video.test").info("hello %s", "there", extra={"video_id": 7})
    logging.getLogger("academy_video.test").debug("below the level")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO academy_video\.test hello there\n",
        stream.getvalue(),
    )


@pytest.mark.usefixtures("root_logging")
def test_json_is_installed_on_the_root_logger_and_takes_warnings() -> None:
    stream = io.StringIO()
    logs.configure("json", stream=stream)
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running", extra={"color_message": "\x1b[1mUvicorn running\x1b[0m"}
    )
    warnings.warn("old thing", DeprecationWarning, stacklevel=1)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["msg"] == "Uvicorn running" and "color_message" not in first
    assert second["logger"] == "py.warnings" and "old thing" in second["msg"]


@pytest.mark.usefixtures("root_logging")
def test_an_unknown_format_is_refused_and_changes_nothing() -> None:
    before = logging.getLogger().handlers[:]
    with pytest.raises(ValueError, match="ACADEMY_VIDEO_LOG_FORMAT"):
        logs.configure("xml")
    assert logging.getLogger().handlers == before


@pytest.mark.usefixtures("root_logging")
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_configure_redacts_message_args_extras_and_exceptions(log_format: str) -> None:
    stream = io.StringIO()
    logs.configure(log_format, stream=stream, secrets=["the-worker-token-1"])
    log = logging.getLogger("academy_video.test.redaction")
    log.info("source %s", PRESIGNED)  # args
    log.info(f"a message with {JWT}")  # the message itself
    log.info("an extra", extra={"url": MEDIA, "headers": {"x-worker-token": "the-worker-token-1"}})
    try:
        raise OSError(f"cannot open {PRESIGNED} with {PLAYBACK}")
    except OSError:
        log.exception("the exception's text")
    written = stream.getvalue()
    for secret in (AMZ_SIG, SESSION_TOKEN, JWT, MEDIA_SIG, "the-worker-token-1", PLAYBACK):
        assert secret not in written
    assert written.count(REDACTED) >= 6
    if log_format == "json":
        lines = [json.loads(line) for line in written.splitlines()]  # still valid JSON
        assert [line["msg"] for line in lines][2:] == ["an extra", "the exception's text"]
        assert "Traceback" in lines[3]["exc"]
