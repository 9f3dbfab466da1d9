"""``import django --verify``: for every video of the old database, the old app's answers
(computed from its tables with its own rules, through the ``OldAnswers`` port) against this
service's (the use cases the HTTP routes call), field by field.

Where this service differs on purpose (docs/seed-defects.md, the contract, docs/architecture.md)
the comparison applies that difference to the old data and, when the new answer is what the
difference predicts, counts it as explained instead of reporting it. Every other mismatch is a
``Difference``, handed to the caller as it is found (nothing accumulates but the counts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from academy_video.domain import achievement as bands
from academy_video.domain.policy import GrantRules, Limits, Rule, VideoDefaults, effective_policy
from academy_video.domain.video import VideoStatus

from ..analytics import RANGES, RISK_TOP, AnalyticsService
from ..reads import Reads
from .compare import Comparison, Difference
from .old_answers import OldAnswers, OldVideo, Row

# The ranges compared: every event, and each view's default (measured from one pinned "now").
SUMMARY_RANGES = ("all", "7d")
RISK_RANGES = ("all", "24h")
RISK_ALL = 1_000_000  # "every student": a lecture has far fewer
GRADE_AS_TEXT = "directory_grade_is_text"
NEW_NAMES = {"thumbnail": "thumbnail_key"}  # the old video field → the read model's
REQUEUED = "processing_video_requeued"


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


class PinnedClock:
    """Both sides measure their ranges from the same moment."""

    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


@dataclass
class VerifyReport:
    videos: int = 0
    differences: int = 0
    explained: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return self.differences == 0


class Verifier:
    """Compares every old video's answers with this service's, through its use cases."""

    def __init__(
        self, old: OldAnswers, analytics: AnalyticsService, reads: Reads, *, limits: Limits
    ) -> None:
        self.old = old
        self.analytics = analytics
        self.reads = reads
        self.limits = limits

    def run(self, now: datetime, on_difference: Callable[[Difference], None]) -> VerifyReport:
        """Compare every video; ``on_difference`` gets each difference as it is found."""
        pinned = AnalyticsService(
            self.analytics.queries,
            PinnedClock(now),
            completion_threshold=self.analytics.completion_threshold,
        )
        report = VerifyReport()

        def found(difference: Difference) -> None:
            if difference.explanation:
                report.explained[difference.explanation] += 1
            else:
                report.differences += 1
                on_difference(difference)

        for video in self.old.videos():
            report.videos += 1
            check = Comparison(video.video_id, found)
            VideoCheck(self, pinned, video, now, check).run()
        return report


class VideoCheck:
    """One video's comparisons."""

    def __init__(
        self,
        verifier: Verifier,
        analytics: AnalyticsService,
        video: OldVideo,
        now: datetime,
        check: Comparison,
    ) -> None:
        self.old = verifier.old
        self.reads = verifier.reads
        self.limits = verifier.limits
        self.analytics = analytics
        self.video = video
        self.now = now
        self.check = check

    def run(self) -> None:
        row = self.reads.video(self.video.tenant, self.video.video_id)
        if row is None:
            self.check.value("video", "", "present", None)
            return
        self.compare_video(row)
        self.compare_permissions(row)
        students = self.old.students(self.video)
        self.compare_students(students)
        for key in SUMMARY_RANGES:
            self.compare_summary(key, students)
        self.compare_achievement()
        for key in RISK_RANGES:
            self.compare_risk(key)

    def since(self, key: str) -> datetime | None:
        span: timedelta | None = RANGES[key]
        return None if span is None else self.now - span

    def compare_video(self, row: Row) -> None:
        fields = self.video.fields
        self.check.value("video", "session_id", self.video.session_id, row["session_id"])
        for name, old in fields.items():
            # The old worker's lease does not come along: a PROCESSING video is queued here.
            requeued = {REQUEUED: VideoStatus.UPLOADED.value} if old == "PROCESSING" else None
            self.check.value(
                "video", name, old, row[NEW_NAMES.get(name, name)], alternatives=requeued
            )

    def compare_permissions(self, row: Row) -> None:
        video = VideoDefaults(row["allow_skip"], row["max_speed"], row["show_watermark"])
        tenant, video_id = self.video.tenant, self.video.video_id
        completed = {
            p["enrollment_id"]: bool(p["completed"])
            for p in self.reads.progress_list(tenant, video_id=video_id)
        }
        new: dict[int, Row] = {}
        for grant in self.reads.permissions(tenant, video_id=video_id):
            rules = GrantRules(
                rule=Rule(grant["rule"]),
                allow_skip_override=grant["allow_skip_override"],
                max_speed_override=grant["max_speed_override"],
                show_watermark_override=grant["show_watermark_override"],
                block_seek=grant["block_seek"],
                block_speed_control=grant["block_speed_control"],
            )
            done = completed.get(grant["enrollment_id"], False)
            policy = effective_policy(video, rules, completed=done, limits=self.limits)
            policy.pop("concurrency")  # the settings', on both sides
            new[grant["permission_id"]] = {
                **grant,
                "enrollment": grant["enrollment_id"],
                "student_name": grant["student_name"] or "",
                "policy": policy,
                "completed": done,
            }
        self.check.keyed("permissions", "", self.old.permissions(self.video), new, key="id")

    def compare_students(self, old: Sequence[Row]) -> None:
        """``stats`` and ``policy-impact`` (the same students, rules and effective rules)."""
        video = self.analytics.video(self.video.tenant, self.video.video_id)
        new = {r["enrollment"]: r for r in self.analytics.students(self.video.tenant, video)}
        # The directory holds a grade as text, as the platform pushes it (the old column: a number).
        olds = [{**r, "grade": (r["grade"], as_text(r["grade"]))} for r in old]
        self.check.keyed(
            "stats", "students", olds, new, key="enrollment", pairs={"grade": GRADE_AS_TEXT}
        )

    def compare_summary(self, key: str, students: Sequence[Row]) -> None:
        old = self.old.summary(self.video, self.since(key))
        new = self.analytics.summary(self.video.tenant, self.video.video_id, key)
        where = f"range={key}"
        # The documented difference: this service counts ACTIVE enrollments only (the old
        # summary counted every enrollment and every progress row): the old data, so counted.
        duration = int(self.video.fields.get("duration") or 0)
        total = len(students)
        completed = sum(1 for s in students if s["completed"])
        active = {
            "total_students": total,
            "completed_count": completed,
            "completion_rate": bands.completion_rate(completed, total),
            "watched_seconds_est": sum(int(float(s["progress"]) * duration) for s in students),
        }
        for name, only_active in active.items():
            self.check.value(
                "summary",
                f"{where}.{name}",
                old[name],
                getattr(new, name),
                alternatives={"summary_counts_active_enrollments_only": only_active},
            )
        self.check.ranking(
            "summary",
            f"{where}.risk_top",
            old["risk_top"],
            [{**r, "enrollment": r["enrollment_id"]} for r in new.risk_top],
            key="enrollment",
            order=("score",),
            cut=True,
        )

    def compare_achievement(self) -> None:
        old = self.old.achievement(self.video)
        new = self.analytics.achievement(self.video.tenant, self.video.video_id)
        totals = new.totals
        for name, value in old["summary"].items():
            self.check.value("achievement", f"summary.{name}", value, getattr(totals, name))
        threshold = self.analytics.completion_threshold
        olds = []
        for row in old["students"]:
            share = row.pop("raw_progress")
            # The band's threshold is a setting here (the old app's was 0.95).
            configured = bands.band(share, threshold).value
            olds.append({**row, "status": (row["status"], configured)})
        news = {
            s.enrollment: {
                "enrollment": s.enrollment,
                "student_name": s.student_name,
                "progress": s.progress,
                "completed": s.completed,
                "watched_seconds": s.watched_seconds,
                "status": s.status.value,
            }
            for s in new.students
        }
        self.check.keyed(
            "achievement",
            "students",
            olds,
            news,
            key="enrollment",
            pairs={"status": "completion_threshold_setting"},
        )

    def compare_risk(self, key: str) -> None:
        since = self.since(key)
        old = self.old.risk(self.video, since)
        new = self.analytics.risk(self.video.tenant, self.video.video_id, key, RISK_ALL)
        olds = []
        for r in old:
            received = r.pop("last_received_at", None)  # before the copy: not an answer field
            olds.append({**r, "last_occurred_at": (r["last_occurred_at"], received)})
        where = f"range={key}"
        self.check.ranking(
            "risk",
            where,
            olds,
            new,
            key="enrollment_id",
            order=("score", "danger", "warn"),
            pairs={"last_occurred_at": "occurred_at_is_server_receive_time"},
            top=RISK_TOP,
        )
