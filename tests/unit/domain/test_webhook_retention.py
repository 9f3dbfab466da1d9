"""How long the webhooks' history is kept: longer than a replay may reach back, checked where
it is set (the setting, the command) and where it is used (``prune_history``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from academy_video.app.config import Settings
from academy_video.app.webhooks.retention import prune_history
from academy_video.domain.webhook_retention import (
    DEFAULT_KEEP_DAYS,
    MAX_KEEP_DAYS,
    MAX_REPLAY_SPAN,
    KeepTooShort,
    check_keep_days,
    pruned_before,
)
from tests.fakes.clock_and_ids import FakeClock
from tests.fakes.webhooks import PingCountingQueue

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_the_history_kept_is_longer_than_a_replay_reaches() -> None:
    assert timedelta(days=DEFAULT_KEEP_DAYS) > MAX_REPLAY_SPAN
    check_keep_days(MAX_REPLAY_SPAN.days + 1)
    check_keep_days(MAX_KEEP_DAYS)
    for days in (MAX_REPLAY_SPAN.days, 0, -1, MAX_KEEP_DAYS + 1, True, 35.5, "35"):
        with pytest.raises(KeepTooShort):
            check_keep_days(days)  # type: ignore[arg-type]


def test_pruned_before_is_that_many_days_ago() -> None:
    assert pruned_before(NOW, 40) == NOW - timedelta(days=40)
    with pytest.raises(KeepTooShort):
        pruned_before(NOW, 7)


def test_the_setting_is_checked_when_read() -> None:
    assert Settings().webhook_keep_days == DEFAULT_KEEP_DAYS
    assert Settings.from_env({"ACADEMY_VIDEO_WEBHOOK_KEEP_DAYS": "90"}).webhook_keep_days == 90
    with pytest.raises(ValueError, match=r"ACADEMY_VIDEO_WEBHOOK_KEEP_DAYS: .*31-day replay"):
        Settings.from_env({"ACADEMY_VIDEO_WEBHOOK_KEEP_DAYS": "31"})


def test_prune_history_asks_the_queue_for_what_is_older_than_the_days_kept() -> None:
    queue = PingCountingQueue()
    prune_history(queue, FakeClock(NOW), DEFAULT_KEEP_DAYS)
    assert queue.pruned_before == [NOW - timedelta(days=DEFAULT_KEEP_DAYS)]
    with pytest.raises(KeepTooShort):
        prune_history(queue, FakeClock(NOW), 30)
    assert len(queue.pruned_before) == 1  # refused before anything was deleted
