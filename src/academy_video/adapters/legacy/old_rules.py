"""The old Django app's answers, computed from its tables with its own rules (the
``OldAnswers`` port of ``app/switchover/verify.py``).

These are the seed's rules restated on purpose, not this service's: ``verify`` exists to catch
where the two disagree, so nothing here is imported from ``domain/``. The rules live by answer,
each function naming the seed view it follows: ``old_policy_rules.py`` (permissions and stats:
``views/playback_mixin.py: _effective_policy``) and ``old_score_rules.py`` (summary,
achievement, risk). Here: the queries over the old tables. Events are summed by the database, a
video at a time; the per-student lists are one lecture's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Engine, and_, case, false, func, literal, select

from academy_video.app.switchover.old_answers import OldVideo

from .old_policy_rules import RULE_FIELDS, effective_policy, effective_rule
from .old_score_rules import (
    RISK_TOP,
    WARN_TYPES,
    WEIGHTS,
    achievement,
    rank_risk,
)
from .old_tables import OldTables

Row = dict[str, Any]

VIDEO_PAGE: Final = 200
VIDEO_FIELDS: Final = (
    "title",
    "file_key",
    "duration",
    "order",
    "status",
    "allow_skip",
    "max_speed",
    "show_watermark",
    "hls_path",
    "thumbnail",
)


class SqlOldAnswers:
    """The old app's answers over its tables (``OldTables`` names them); ``tenant_map`` renames
    tenant codes as the import did (``--tenant-map OLD=NEW``)."""

    def __init__(
        self,
        engine: Engine,
        tables: OldTables | None = None,
        tenant_map: Mapping[str, str] | None = None,
    ) -> None:
        self.engine = engine
        self.t = tables or OldTables()
        self.tenant_map = dict(tenant_map or {})

    def videos(self) -> Iterator[OldVideo]:
        v, s, lec, ten = self.t.video, self.t.session, self.t.lecture, self.t.tenant
        query = (
            select(
                v.c.id,
                ten.c.code,
                v.c.session_id,
                s.c.lecture_id,
                *(v.c[name] for name in VIDEO_FIELDS),
            )
            .join(s, s.c.id == v.c.session_id)
            .join(lec, lec.c.id == s.c.lecture_id)
            .join(ten, ten.c.id == lec.c.tenant_id)
            .order_by(v.c.id)
            .limit(VIDEO_PAGE)
        )
        after = None
        while True:
            page = query if after is None else query.where(v.c.id > after)
            rows = self._all(page)
            for r in rows:
                fields = {name: r[name] for name in VIDEO_FIELDS}
                tenant = str(self.tenant_map.get(r["code"], r["code"]))
                yield OldVideo(r["id"], tenant, r["session_id"], r["lecture_id"], fields)
            if len(rows) < VIDEO_PAGE:
                return
            after = rows[-1]["id"]

    def permissions(self, video: OldVideo) -> list[Row]:
        perm, progress = self.t.permission, self.t.progress
        done = (
            select(progress.c.id)
            .where(
                and_(
                    progress.c.video_id == video.video_id,
                    progress.c.enrollment_id == perm.c.enrollment_id,
                    progress.c.completed.is_(True),
                )
            )
            .exists()
        )
        query = (
            select(perm, self._name(perm.c.enrollment_id), done.label("completed"))
            .where(perm.c.video_id == video.video_id)
            .order_by(perm.c.id)
        )
        answers = []
        for r in self._all(query):
            completed = bool(r["completed"])
            answers.append(
                {
                    "id": r["id"],
                    "enrollment": r["enrollment_id"],
                    "student_name": r["student_name"] or "",
                    **{name: r[name] for name in RULE_FIELDS},
                    "is_override": bool(r["is_override"]),
                    "completed": completed,
                    "policy": effective_policy(video.fields, r, completed=completed),
                }
            )
        return answers

    def students(self, video: OldVideo) -> list[Row]:
        """views/video_views.py: stats (and video_policy_impact's rule, effective rule)."""
        en, st, p, perm, a = (
            self.t.enrollment,
            self.t.student,
            self.t.progress,
            self.t.permission,
            self.t.attendance,
        )
        attendance = (
            select(a.c.status)
            .where(and_(a.c.session_id == video.session_id, a.c.enrollment_id == en.c.id))
            .order_by(a.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(
                en.c.id.label("enrollment"),
                st.c.name.label("student_name"),
                attendance.label("attendance_status"),
                p.c.progress,
                p.c.completed,
                perm.c.rule,
                st.c.parent_phone,
                st.c.phone.label("student_phone"),
                st.c.school,
                st.c.grade,
            )
            .join(st, st.c.id == en.c.student_id)
            .outerjoin(p, and_(p.c.video_id == video.video_id, p.c.enrollment_id == en.c.id))
            .outerjoin(
                perm, and_(perm.c.video_id == video.video_id, perm.c.enrollment_id == en.c.id)
            )
            .where(and_(en.c.lecture_id == video.lecture_id, en.c.status == "ACTIVE"))
            .order_by(en.c.id)
        )
        students = []
        for r in self._all(query):
            has_progress = r["completed"] is not None
            completed = bool(r["completed"]) if has_progress else False
            rule = r["rule"] or "free"
            students.append(
                {
                    **r,
                    "progress": r["progress"] if has_progress else 0,
                    "completed": completed,
                    "rule": rule,
                    "effective_rule": effective_rule(rule, completed),
                }
            )
        return students

    def summary(self, video: OldVideo, since: datetime | None) -> Row:
        """views/video_views.py: summary (every enrollment of the lecture, every progress row)."""
        en, p = self.t.enrollment, self.t.progress
        total = self._scalar(
            select(func.count()).select_from(en).where(en.c.lecture_id == video.lecture_id)
        )
        duration = int(video.fields["duration"] or 0)
        completed_count, watched = 0, 0
        query = select(p.c.progress, p.c.completed).where(p.c.video_id == video.video_id)
        for r in self._all(query):
            completed_count += bool(r["completed"])
            watched += int(float(r["progress"] or 0) * duration)
        scores = [
            {
                "enrollment": r["enrollment_id"],
                "student_name": r["student_name"],
                "score": r["score"],
                "newest": r["newest"],
            }
            for r in self._risk_rows(video, since)
        ]
        return {
            "total_students": total,
            "completed_count": completed_count,
            "completion_rate": completed_count / total if total else 0.0,
            "watched_seconds_est": watched,
            "risk_top": rank_risk(scores, ("score",))[:RISK_TOP],
        }

    def achievement(self, video: OldVideo) -> Row:
        a, en, st, p = self.t.attendance, self.t.enrollment, self.t.student, self.t.progress
        query = (
            select(
                a.c.enrollment_id.label("enrollment"),
                st.c.name.label("student_name"),
                p.c.progress,
                p.c.completed,
                p.c.last_position,
            )
            .join(en, en.c.id == a.c.enrollment_id)
            .join(st, st.c.id == en.c.student_id)
            .outerjoin(p, and_(p.c.video_id == video.video_id, p.c.enrollment_id == en.c.id))
            .where(and_(a.c.session_id == video.session_id, a.c.status == "ONLINE"))
            .order_by(a.c.id)
        )
        return achievement(self._all(query))

    def risk(self, video: OldVideo, since: datetime | None) -> list[Row]:
        """views/event_views.py: risk, every student (the caller cuts)."""
        return rank_risk(self._risk_rows(video, since), ("score", "danger", "warn"))

    def _risk_rows(self, video: OldVideo, since: datetime | None) -> list[Row]:
        ev = self.t.event
        weight = case(WEIGHTS, value=ev.c.event_type, else_=1)
        violated = func.coalesce(ev.c.violated, false())
        score = weight * case((violated, 2), else_=1) + case(
            (func.coalesce(ev.c.violation_reason, "") != "", 1), else_=0
        )
        danger = case((violated, 1), else_=0)
        warn = case((and_(~violated, ev.c.event_type.in_(WARN_TYPES)), 1), else_=0)
        where = ev.c.video_id == video.video_id
        if since is not None:
            where = and_(where, ev.c.occurred_at >= since)
        sums = (
            select(
                ev.c.enrollment_id,
                func.sum(score).label("score"),
                func.sum(danger).label("danger"),
                func.sum(warn).label("warn"),
                func.count().label("events"),
                func.max(ev.c.occurred_at).label("last_occurred_at"),
                func.max(ev.c.received_at).label("last_received_at"),
                func.max(ev.c.id).label("newest_id"),
            )
            .where(where)
            .group_by(ev.c.enrollment_id)
            .subquery()
        )
        query = select(sums, self._name(sums.c.enrollment_id))
        rows = []
        for r in self._all(query):
            danger_n, warn_n = int(r["danger"]), int(r["warn"])
            rows.append(
                {
                    "enrollment_id": r["enrollment_id"],
                    "student_name": r["student_name"] or "",
                    "score": int(r["score"]),
                    "danger": danger_n,
                    "warn": warn_n,
                    "info": int(r["events"]) - danger_n - warn_n,
                    "last_occurred_at": _utc(r["last_occurred_at"]),
                    "last_received_at": _utc(r["last_received_at"]),
                    "newest": (_utc(r["last_received_at"]), r["newest_id"]),
                }
            )
        return rows

    def _name(self, enrollment: Any) -> Any:
        en, st = self.t.enrollment, self.t.student
        name = (
            select(st.c.name)
            .join(en, en.c.student_id == st.c.id)
            .where(en.c.id == enrollment)
            .scalar_subquery()
        )
        return func.coalesce(name, literal("")).label("student_name")

    def _all(self, query: Any) -> list[Row]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def _scalar(self, query: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one() or 0)


def _utc(moment: datetime) -> datetime:
    """Django stores UTC; SQLite hands it back without the zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
