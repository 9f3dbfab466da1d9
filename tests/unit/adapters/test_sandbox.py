"""The media sandbox: a child process answers, or ends with a reason the parent can act on; it
never takes the parent down, and it keeps nothing of the parent's secrets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from academy_video.adapters.media import sandbox
from academy_video.adapters.media.sandbox import Limits, SandboxFailed, SandboxRefused
from tests import sandbox_targets

MiB = 1024 * 1024
ROOMY = Limits(wall_seconds=30, cpu_seconds=30, memory_bytes=2048 * MiB, file_bytes=MiB)


def test_a_child_answers_and_reports_as_it_goes() -> None:
    reports: list[tuple[str, object]] = []
    answer = sandbox.run(
        sandbox_targets.answer,
        ({"a": [1, 2.5, "x"]},),
        ROOMY,
        on_report=lambda kind, value: reports.append((kind, value)),
    )
    assert answer == {"a": [1, 2.5, "x"]}
    assert reports[0] == ("progress", 50)
    # Last, what the child used: CPU seconds and its peak memory.
    kind, usage = reports[1]
    assert kind == "usage" and isinstance(usage, dict)
    assert usage["cpu_seconds"] >= 0 and usage["peak_kib"] > 0
    assert len(reports) == 2


def test_a_refusal_is_the_childs_reason() -> None:
    with pytest.raises(SandboxRefused) as refused:
        sandbox.run(sandbox_targets.refuse, ("frame_too_large",), ROOMY)
    assert refused.value.reason == "frame_too_large"


def test_memory_past_the_limit_is_memory_limit() -> None:
    limits = Limits(wall_seconds=30, cpu_seconds=30, memory_bytes=1024 * MiB, file_bytes=MiB)
    assert sandbox.run(sandbox_targets.allocate, (16,), limits) == 16 * MiB
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.allocate, (2048,), limits)
    assert failed.value.reason == "memory_limit"


def test_cpu_time_past_the_limit_is_cpu_limit() -> None:
    limits = Limits(wall_seconds=30, cpu_seconds=1, memory_bytes=2048 * MiB, file_bytes=MiB)
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.spin, (), limits)
    assert failed.value.reason == "cpu_limit"


def test_wall_time_past_the_limit_is_timeout_and_the_child_is_gone() -> None:
    limits = Limits(wall_seconds=0.5, cpu_seconds=30, memory_bytes=2048 * MiB, file_bytes=MiB)
    started = time.monotonic()
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.wait, (60,), limits)
    assert failed.value.reason == "timeout"
    assert time.monotonic() - started < 30  # not the child's 60 s


def test_a_report_can_move_the_deadline() -> None:
    limits = Limits(wall_seconds=30, cpu_seconds=30, memory_bytes=2048 * MiB, file_bytes=MiB)
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.report_forever, (), limits, on_report=lambda kind, value: 0.2)
    assert failed.value.reason == "timeout"


def test_a_crash_is_crashed() -> None:
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.crash, (), ROOMY)
    assert failed.value.reason == "crashed"


def test_an_unforeseen_exception_is_crashed_and_logged_by_its_class(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.fail, (), ROOMY)
    assert failed.value.reason == "crashed"
    assert "KeyError" in caplog.text and "a bug of ours" not in caplog.text


def test_a_file_past_the_limit_is_file_limit(tmp_path: Path) -> None:
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.write, (str(tmp_path / "big"), 4), ROOMY)
    assert failed.value.reason == "file_limit"
    assert (tmp_path / "big").stat().st_size <= MiB


def test_cancellation_kills_the_child_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.wait, (60,), ROOMY, cancelled=lambda: True)
    assert failed.value.reason == "cancelled"
    assert time.monotonic() - started < 30


def test_an_answer_no_child_of_ours_writes_is_crashed() -> None:
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.garbage, (), ROOMY)
    assert failed.value.reason == "crashed"


def test_open_files_are_bounded() -> None:
    assert sandbox.run(sandbox_targets.open_files, (16,), ROOMY) == 16
    with pytest.raises(SandboxFailed) as failed:
        sandbox.run(sandbox_targets.open_files, (ROOMY.open_files + 1,), ROOMY)
    assert failed.value.reason == "crashed"  # EMFILE: refused by the OS, not served


def test_not_even_the_childs_environment_block_holds_the_parents_secrets() -> None:
    """What the process started with stays in /proc, whatever it removes later: the fork
    server starts with the kept names only (under `make test` the parent holds AWS keys and the
    services' addresses)."""
    names = sandbox.run(sandbox_targets.environment_block, (), ROOMY)
    assert set(names) <= set(sandbox.KEPT_ENVIRONMENT) | {"MALLOC_ARENA_MAX"}, names


def test_the_child_keeps_none_of_the_parents_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("ACADEMY_VIDEO_JWT_SECRET", "do-not-leak")
    monkeypatch.setenv("LANG", "C.UTF-8")
    environment = sandbox.run(sandbox_targets.environment, (), ROOMY)
    assert "do-not-leak" not in environment.values()
    assert set(environment) <= {*sandbox.KEPT_ENVIRONMENT, "MALLOC_ARENA_MAX"}
