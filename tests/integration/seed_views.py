"""The seed's analytics views, their bodies as the old app wrote them (views/video_views.py
stats and summary, views/achievement_views.py, views/event_views.py risk), run through the old
ORM on the Django fixture: the reference ``adapters/legacy/old_rules.py`` is checked against."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.legacy_django.attendance.models import Attendance
from tests.legacy_django.enrollment.models import Enrollment
from tests.legacy_django.video.models import Video, VideoPlaybackEvent, VideoProgress

Row = dict[str, Any]

WEIGHTS = {
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


def _event_score(event_type: str, violated: bool, violation_reason: str | None) -> int:
    w = int(WEIGHTS.get(event_type, 1))
    if violated:
        w *= 2
    if violation_reason:
        w += 1
    return w


def summary(alias: str, video_id: int, since: datetime | None) -> Row:
    video = Video.objects.using(alias).select_related("session__lecture").get(id=video_id)
    lecture = video.session.lecture
    total = Enrollment.objects.using(alias).filter(lecture=lecture).count()
    progresses = VideoProgress.objects.using(alias).filter(video=video)
    completed_count = progresses.filter(completed=True).count()
    duration = int(video.duration or 0)
    watched_seconds = 0
    for p in progresses.iterator():
        watched_seconds += int(float(p.progress or 0) * duration)
    ev_qs = (
        VideoPlaybackEvent.objects.using(alias)
        .filter(video=video)
        .select_related("enrollment", "enrollment__student")
    )
    if since:
        ev_qs = ev_qs.filter(occurred_at__gte=since)
    agg: dict[int, Row] = {}
    for ev in ev_qs.iterator():
        eid = ev.enrollment_id
        if eid not in agg:
            agg[eid] = {"enrollment": eid, "student_name": ev.enrollment.student.name, "score": 0}
        agg[eid]["score"] += _event_score(ev.event_type, ev.violated, ev.violation_reason)
    risk_top = sorted(agg.values(), key=lambda x: x["score"], reverse=True)[:5]
    return {
        "total_students": total,
        "completed_count": completed_count,
        "completion_rate": (completed_count / total) if total else 0.0,
        "watched_seconds_est": watched_seconds,
        "risk_top": risk_top,
    }


def achievement(alias: str, video_id: int) -> Row:
    video = Video.objects.using(alias).select_related("session").get(id=video_id)
    online_attendance = Attendance.objects.using(alias).filter(
        session=video.session, status="ONLINE"
    )
    enrollment_ids = online_attendance.values_list("enrollment_id", flat=True)
    progresses = {
        p.enrollment_id: p
        for p in VideoProgress.objects.using(alias).filter(
            video=video, enrollment_id__in=enrollment_ids
        )
    }
    students = []
    completed_count = 0
    total_progress = 0.0
    for att in online_attendance.select_related("enrollment__student").order_by("id"):
        enrollment = att.enrollment
        vp = progresses.get(enrollment.id)
        progress = vp.progress if vp else 0
        completed = vp.completed if vp else False
        if completed:
            completed_count += 1
        total_progress += progress
        if progress >= 0.95:
            status = "completed"
        elif progress >= 0.5:
            status = "warning"
        else:
            status = "danger"
        students.append(
            {
                "enrollment": enrollment.id,
                "student_name": enrollment.student.name,
                "progress": round(progress * 100, 1),
                "completed": completed,
                "watched_seconds": vp.last_position if vp else 0,
                "status": status,
            }
        )
    total = len(students)
    avg_progress = (total_progress / total) if total else 0
    return {
        "summary": {
            "total_students": total,
            "avg_progress": round(avg_progress * 100, 1),
            "completed_rate": round((completed_count / total) * 100, 1) if total else 0,
            "incomplete_count": total - completed_count,
        },
        "students": students,
    }


def risk(alias: str, video_id: int, since: datetime | None) -> list[Row]:
    qs = (
        VideoPlaybackEvent.objects.using(alias)
        .filter(video_id=video_id)
        .select_related("enrollment", "enrollment__student")
    )
    if since:
        qs = qs.filter(occurred_at__gte=since)
    agg: dict[int, Row] = {}
    for ev in qs.iterator():
        eid = ev.enrollment_id
        if eid not in agg:
            agg[eid] = {
                "enrollment_id": eid,
                "student_name": ev.enrollment.student.name,
                "score": 0,
                "danger": 0,
                "warn": 0,
                "info": 0,
                "last_occurred_at": None,
            }
        agg[eid]["score"] += _event_score(ev.event_type, bool(ev.violated), ev.violation_reason)
        if ev.violated:
            agg[eid]["danger"] += 1
        elif ev.event_type in ("SEEK_ATTEMPT", "SPEED_CHANGE_ATTEMPT", "FOCUS_LOST"):
            agg[eid]["warn"] += 1
        else:
            agg[eid]["info"] += 1
        last = agg[eid]["last_occurred_at"]
        if last is None or ev.occurred_at > last:
            agg[eid]["last_occurred_at"] = ev.occurred_at
    return sorted(agg.values(), key=lambda r: (r["score"], r["danger"], r["warn"]), reverse=True)
