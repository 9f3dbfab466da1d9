from datetime import UTC, datetime, timedelta

import pytest

from academy_video.domain.errors import InvalidValue
from academy_video.domain.progress import (
    ANCHORS_KEPT,
    MAX_RANGES,
    Plausibility,
    Sample,
    WatchProgress,
)
from academy_video.domain.ranges import covered

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
NORMAL = Plausibility(max_rate=1.0, grace_seconds=2.0)


def beat(position: float, second: float, session: str = "s1") -> Sample:
    return Sample(session, position, T0 + timedelta(seconds=second))


def new_progress() -> WatchProgress:
    return WatchProgress(video_id=7, enrollment_id=3, tenant="demo", progress_id=1)


def record(
    progress: WatchProgress, *samples: Sample, duration: float = 100, rate: Plausibility = NORMAL
) -> bool:
    return progress.record(
        list(samples), duration=duration, plausibility=rate, completion_threshold=0.95
    )


def test_steady_heartbeats_are_credited_as_watched() -> None:
    progress = new_progress()
    record(progress, beat(0, 0), beat(30, 30), beat(60, 60))
    assert progress.ranges == [(0, 60)]
    assert progress.progress == pytest.approx(0.6)
    assert (progress.last_position, progress.max_position) == (60, 60)
    assert not progress.completed


def test_a_jump_beyond_elapsed_times_rate_plus_grace_is_not_credited() -> None:
    progress = new_progress()
    record(progress, beat(0, 0), beat(32, 30))  # 32 ≤ 30 × 1 + 2: credited
    record(progress, beat(90, 40))  # 58 s in 10 s: a seek, not watching
    assert progress.ranges == [(0, 32)]
    assert progress.rejected_jumps == 1
    assert progress.last_position == 90  # the anchor moves on
    record(progress, beat(100, 50))
    assert progress.ranges == [(0, 32), (90, 100)]


def test_rapid_heartbeats_do_not_add_up_their_grace() -> None:
    """A forged client beating every 10 ms, each 2 s further, gets 2 s (one grace), not 200 s."""
    progress = new_progress()
    record(progress, *(beat(2 * n, n / 100) for n in range(101)))
    assert progress.ranges == [(0, 2)]
    assert not progress.completed


def test_jitter_in_steady_heartbeats_does_not_accumulate_either_way() -> None:
    """Beats up to a second early or late, for an hour: all credited, and never more."""
    progress = new_progress()
    beats = [beat(30 * n, 30 * n + (0.9 if n % 2 else -0.9) * (n > 0)) for n in range(120)]
    record(progress, *beats, duration=3600)
    assert progress.ranges == [(0, 30 * 119)] and progress.rejected_jumps == 0


def test_a_faster_allowed_rate_allows_a_faster_advance() -> None:
    progress = new_progress()
    record(progress, beat(0, 0), beat(60, 30), rate=Plausibility(max_rate=2.0, grace_seconds=0))
    assert progress.ranges == [(0, 60)]


def test_a_new_playback_session_only_anchors_it_does_not_credit_the_gap() -> None:
    progress = new_progress()
    record(progress, beat(0, 0, "s1"), beat(30, 30, "s1"))
    # A day later, another session starts at 80: elapsed time since s1 says nothing.
    record(progress, beat(80, 86400, "s2"))
    assert progress.ranges == [(0, 30)]
    record(progress, beat(90, 86410, "s2"))
    assert progress.ranges == [(0, 30), (80, 90)]


def test_rewatching_counts_once_and_going_back_credits_nothing() -> None:
    progress = new_progress()
    record(progress, beat(0, 0), beat(30, 30), beat(0, 31), beat(30, 61))
    assert progress.ranges == [(0, 30)]
    assert progress.progress == pytest.approx(0.3)


def test_positions_are_clamped_to_the_video() -> None:
    progress = new_progress()
    record(progress, beat(-5, 0), beat(30, 30))
    assert progress.ranges == [(0, 30)]


def test_completion_happens_once_at_the_threshold() -> None:
    progress = new_progress()
    assert not record(progress, *(beat(s, s) for s in range(0, 91, 10)))
    assert record(progress, beat(95, 95))
    assert progress.completed
    assert not record(progress, beat(100, 100))


def test_no_duration_means_no_progress() -> None:
    progress = new_progress()
    record(progress, beat(0, 0), beat(30, 30), duration=0)
    assert progress.progress == 0


def test_staff_correction_can_complete_or_reset() -> None:
    progress = new_progress()
    assert progress.correct(progress=1.0, completed=True)
    assert progress.completed
    assert not progress.correct(completed=True)
    assert not progress.correct(progress=0.2, completed=False, last_position=12)
    assert (progress.progress, progress.completed, progress.last_position) == (0.2, False, 12)
    with pytest.raises(InvalidValue):
        progress.correct(progress=1.5)
    with pytest.raises(InvalidValue):
        progress.correct(last_position=-1)


def test_an_empty_batch_records_nothing() -> None:
    progress = new_progress()
    version = progress.version
    assert not record(progress)
    assert progress.version == version


def test_a_second_device_left_open_does_not_stop_the_first_from_counting() -> None:
    """A laptop plays while a phone sits paused at 50, both heart-beating: each session has its
    own anchor."""
    progress = new_progress()
    laptop = [beat(10 * n, 10 * n, "laptop") for n in range(4)]
    phone = [beat(50, 10 * n + 5, "phone") for n in range(3)]
    record(progress, *sorted(laptop + phone, key=lambda s: s.at))
    assert progress.ranges == [(0, 30)]
    record(progress, beat(50, 35, "phone"), beat(40, 40, "laptop"), beat(50, 45, "phone"))
    assert progress.ranges == [(0, 40)] and progress.last_position == 50


def test_the_sessions_remembered_are_the_most_recent_few() -> None:
    progress = new_progress()
    for n in range(ANCHORS_KEPT + 2):
        record(progress, beat(0, n, f"s{n}"))
    assert list(progress.anchors) == [f"s{n}" for n in range(2, ANCHORS_KEPT + 2)]
    record(progress, beat(5, ANCHORS_KEPT + 5, "s0"))  # forgotten: anchors again, no credit
    assert progress.ranges == []


def test_a_beat_that_arrived_late_does_not_cost_the_next_interval() -> None:
    progress = new_progress()
    record(progress, beat(0, 0), beat(10, 10), beat(20, 23), beat(30, 30), beat(40, 40))
    assert progress.ranges == [(0, 40)] and progress.rejected_jumps == 0


def test_a_pause_buys_no_more_than_the_grace() -> None:
    """Paused ten minutes, then a jump as long as the pause: a seek, not watching."""
    progress = new_progress()
    paused = [beat(10, 10 * n) for n in range(1, 61)]
    record(progress, beat(0, 0), *paused, beat(600, 605), duration=3600)
    assert progress.ranges == [(0, 10)] and progress.rejected_jumps == 1


def test_a_staff_correction_down_sticks() -> None:
    """What was credited before a correction down no longer counts; watching anew does."""
    progress = new_progress()
    record(progress, *(beat(s, s) for s in range(0, 100, 10)))
    assert progress.progress == pytest.approx(0.9)
    progress.correct(progress=0.1, completed=False)
    record(progress, beat(0, 200, "s2"), beat(10, 210, "s2"))
    assert progress.progress == pytest.approx(0.1) and not progress.completed
    record(progress, *(beat(s, 200 + s, "s2") for s in range(20, 60, 10)))
    assert progress.progress == pytest.approx(0.5)
    progress.correct(progress=0.8)  # a correction up keeps what was watched
    assert progress.ranges == [(0, 50)]


@pytest.mark.parametrize("sessions", [2, 8, 60])
def test_sessions_played_side_by_side_share_one_clock(sessions: int) -> None:
    """Several sessions each playing its own stretch, beating every 10 s for 300 s: together
    they earn what one viewer could watch in that time, not one viewer's worth each."""
    progress = new_progress()
    duration = 36_000.0
    for second in range(0, 301, 10):
        beats = [beat(600 * n + second, second + n / 100, f"s{n}") for n in range(sessions)]
        record(progress, *beats, duration=duration)
    watched = sum(end - start for start, end in progress.ranges)
    assert watched <= 300 + 2 * 31  # the time, and at most one grace per beat


def test_slivers_credited_between_backward_jumps_keep_at_most_max_ranges() -> None:
    """A player crediting 0.01 s, then jumping back below it, keeps every sliver apart: one range
    per two beats, for as long as it plays. Past ``MAX_RANGES`` the shortest are dropped, and
    progress, computed before, never goes down."""
    progress = new_progress()
    second = 0.0
    for n in range(MAX_RANGES + 50):
        x = 3_000.0 - 1.5 * n  # each sliver below the last: a backward jump re-anchors
        for position in (x, x + 0.01):
            record(progress, beat(position, second), duration=3_600.0)
            second += 1
    assert len(progress.ranges) == MAX_RANGES
    assert progress.progress >= covered(progress.ranges) / 3_600.0
    before = progress.progress
    record(progress, beat(10.0, second), beat(40.0, second + 30), duration=3_600.0)
    assert (10.0, 40.0) in progress.ranges  # a real stretch watched is kept over slivers
    assert len(progress.ranges) == MAX_RANGES and progress.progress >= before
