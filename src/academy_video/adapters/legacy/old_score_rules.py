"""The old app's scores, as its summary, achievement and risk views computed them
(``views/event_views.py: _event_score/risk``, ``views/video_views.py: summary``,
``views/achievement_views.py``): restated on purpose, not imported from ``domain/`` (see
``old_rules.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

Row = dict[str, Any]

# views/event_views.py: _event_score (and summary's copy of the table): a type it lacks weighs 1.
WEIGHTS: Final[dict[str, int]] = {
    "VISIBILITY_HIDDEN": 1,
    "VISIBILITY_VISIBLE": 0,
    "FOCUS_LOST": 2,
    "FOCUS_GAINED": 0,
    "SEEK_ATTEMPT": 3,
    "SPEED_CHANGE_ATTEMPT": 3,
    "FULLSCREEN_ENTER": 0,
    "FULLSCREEN_EXIT": 0,
    "PLAYER_ERROR": 1,
}
WARN_TYPES: Final = ("SEEK_ATTEMPT", "SPEED_CHANGE_ATTEMPT", "FOCUS_LOST")  # risk's "warn"
RISK_TOP: Final = 5  # summary's risk_top


def event_score(event_type: str, violated: bool, reason: str | None) -> int:
    """views/event_views.py: _event_score."""
    weight = int(WEIGHTS.get(event_type, 1))
    if violated:
        weight *= 2
    if reason:
        weight += 1
    return weight


def band(progress: float) -> str:
    """views/achievement_views.py: the student's status, from the share watched."""
    if progress >= 0.95:
        return "completed"
    if progress >= 0.5:
        return "warning"
    return "danger"


def rank_risk(rows: Iterable[Row], keys: Sequence[str]) -> list[Row]:
    """The seed's ``sorted(agg.values(), key=…, reverse=True)``: highest first, ties in the
    order the students were first met, i.e. by their newest event (``newest``), newest first
    (the events were read ``-received_at, -id``)."""
    met = sorted(rows, key=lambda r: r["newest"], reverse=True)
    ranked = sorted(met, key=lambda r: tuple(r[k] for k in keys), reverse=True)
    return [{k: v for k, v in r.items() if k != "newest"} for r in ranked]


def achievement(rows: Sequence[Row]) -> Row:
    """views/achievement_views.py over (enrollment, student_name, progress, completed,
    last_position) rows of the students attending ONLINE; each student also carries
    ``raw_progress`` (the share the band was judged from)."""
    students = []
    completed_count, total_progress = 0, 0.0
    for r in rows:
        progress = r["progress"] if r["progress"] is not None else 0
        completed = bool(r["completed"])
        completed_count += completed
        total_progress += progress
        students.append(
            {
                "enrollment": r["enrollment"],
                "student_name": r["student_name"],
                "progress": round(progress * 100, 1),
                "completed": completed,
                "watched_seconds": r["last_position"] if r["last_position"] is not None else 0,
                "status": band(progress),
                "raw_progress": progress,
            }
        )
    total = len(students)
    average = total_progress / total if total else 0
    summary = {
        "total_students": total,
        "avg_progress": round(average * 100, 1),
        "completed_rate": round(completed_count / total * 100, 1) if total else 0,
        "incomplete_count": total - completed_count,
    }
    return {"summary": summary, "students": students}
