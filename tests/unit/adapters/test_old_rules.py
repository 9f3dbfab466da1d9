"""The old app's rules as ``verify`` restates them: where they are subtle (bands at their edges,
the risk ranking's ties, scores of unknown types, the once rule in the policy)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from academy_video.adapters.legacy import old_score_rules
from academy_video.adapters.legacy.names import load_names
from academy_video.adapters.legacy.old_policy_rules import effective_policy, effective_rule
from academy_video.adapters.legacy.old_score_rules import achievement, event_score, rank_risk
from academy_video.adapters.legacy.old_tables import OldTables

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("progress", "band"),
    [
        (0.0, "danger"),
        (0.4999, "danger"),
        (0.5, "warning"),
        (0.9499, "warning"),
        (0.95, "completed"),
        (1.0, "completed"),
    ],
)
def test_achievement_bands_turn_at_half_and_at_95_percent(progress: float, band: str) -> None:
    assert old_score_rules.band(progress) == band


def test_achievement_judges_the_share_watched_not_the_completed_flag() -> None:
    # A student marked completed at 40% is in danger; one at 96% not marked completed is not.
    rows = [
        {
            "enrollment": 1,
            "student_name": "A",
            "progress": 0.4,
            "completed": True,
            "last_position": 40,
        },
        {
            "enrollment": 2,
            "student_name": "B",
            "progress": 0.96,
            "completed": False,
            "last_position": 96,
        },
        {
            "enrollment": 3,
            "student_name": "C",
            "progress": None,
            "completed": None,
            "last_position": None,
        },
    ]
    answer = achievement(rows)
    assert [s["status"] for s in answer["students"]] == ["danger", "completed", "danger"]
    assert answer["students"][2]["watched_seconds"] == 0
    assert answer["summary"] == {
        "total_students": 3,
        "avg_progress": round((0.4 + 0.96) / 3 * 100, 1),
        "completed_rate": round(1 / 3 * 100, 1),
        "incomplete_count": 2,
    }


def test_achievement_without_students_is_zero_everywhere() -> None:
    assert achievement([])["summary"] == {
        "total_students": 0,
        "avg_progress": 0,
        "completed_rate": 0,
        "incomplete_count": 0,
    }


@pytest.mark.parametrize(
    ("event_type", "violated", "reason", "score"),
    [
        ("FOCUS_LOST", False, "", 2),
        ("SEEK_ATTEMPT", True, "seek_blocked", 7),  # 3 × 2 + 1
        ("SEEK_ATTEMPT", True, None, 6),
        ("VISIBILITY_VISIBLE", True, "x", 1),  # 0 × 2 + 1
        ("SOMETHING_NEW", False, "", 1),  # a type the table lacks weighs 1
    ],
)
def test_event_score_is_weight_doubled_if_violated_plus_one_for_a_reason(
    event_type: str, violated: bool, reason: str | None, score: int
) -> None:
    assert event_score(event_type, violated, reason) == score


def test_risk_ties_keep_the_order_students_were_met_newest_event_first() -> None:
    def row(enrollment: int, score: int, danger: int, warn: int, minutes: int) -> dict[str, object]:
        return {
            "enrollment_id": enrollment,
            "score": score,
            "danger": danger,
            "warn": warn,
            "newest": (T0 + timedelta(minutes=minutes), enrollment),
        }

    rows = [row(1, 5, 1, 0, 0), row(2, 5, 1, 0, 9), row(3, 5, 2, 0, 1), row(4, 8, 0, 0, 2)]
    ranked = rank_risk(rows, ("score", "danger", "warn"))
    # 4 scores most; 3 ties 1 and 2 on score but has more danger; 2's newest event is later.
    assert [r["enrollment_id"] for r in ranked] == [4, 3, 2, 1]
    assert "newest" not in ranked[0]
    # The summary's risk_top sorts by score alone: 2, 3, 1 then (met newest first).
    by_score = rank_risk(rows, ("score",))
    assert [r["enrollment_id"] for r in by_score] == [4, 2, 3, 1]


VIDEO = {"allow_skip": True, "max_speed": 2.0, "show_watermark": True}


def perm(**changes: object) -> dict[str, object]:
    base = {
        "rule": "free",
        "allow_skip_override": None,
        "max_speed_override": None,
        "show_watermark_override": None,
        "block_seek": False,
        "block_speed_control": False,
    }
    return {**base, **changes}


def test_policy_without_a_permission_keeps_seeking_free_whatever_allow_skip_says() -> None:
    policy = effective_policy({**VIDEO, "allow_skip": False}, None, completed=False)
    assert policy["allow_seek"] is False and policy["seek"]["mode"] == "free"
    assert "concurrency" not in policy


def test_once_bounds_seeking_until_completed_and_block_seek_wins() -> None:
    once = effective_policy(VIDEO, perm(rule="once"), completed=False)
    assert once["seek"] == {
        "mode": "bounded_forward",
        "forward_limit": "max_watched",
        "grace_seconds": 3,
    }
    assert effective_policy(VIDEO, perm(rule="once"), completed=True)["seek"]["mode"] == "free"
    blocked = effective_policy(VIDEO, perm(rule="once", block_seek=True), completed=False)
    assert blocked["seek"] == {"mode": "blocked"} and blocked["allow_seek"] is False


def test_block_speed_control_overrides_a_speed_override() -> None:
    policy = effective_policy(
        VIDEO, perm(max_speed_override=3.0, block_speed_control=True), completed=False
    )
    assert policy["playback_rate"] == {"max": 1.0, "ui_control": False}


def test_effective_rule_relaxes_only_once_on_completion() -> None:
    assert effective_rule("once", True) == "free"
    assert effective_rule("once", False) == "once"
    assert effective_rule("blocked", True) == "blocked"


def test_old_tables_are_named_by_the_imports_names_file(tmp_path: Path) -> None:
    names = tmp_path / "names.json"
    names.write_text(
        json.dumps({"video_video": {"table": "legacy_video", "columns": {"title": "name"}}})
    )
    tables = OldTables(load_names(names))
    assert "FROM video_videopermission" in str(select(tables.permission.c.id))
    query = str(select(tables.video.c.title, tables.video.c.id))
    assert "legacy_video.name AS title" in query  # reached and answered as the old field
    names.write_text(json.dumps({"vidoe": {"table": "x"}}))
    with pytest.raises(ValueError, match="vidoe"):
        load_names(names)
