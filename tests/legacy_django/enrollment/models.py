from __future__ import annotations

from django.db import models

from tests.legacy_django.timestamps import TimestampModel


class Enrollment(TimestampModel):
    student = models.ForeignKey(
        "students.Student", on_delete=models.CASCADE, related_name="enrollments"
    )
    lecture = models.ForeignKey(
        "lectures.Lecture", on_delete=models.CASCADE, related_name="enrollments"
    )
    status = models.CharField(max_length=20, default="ACTIVE", db_index=True)


class SessionEnrollment(TimestampModel):
    """A student's access to one session of the lecture (the old playback checked it)."""

    session = models.ForeignKey(
        "lectures.Session", on_delete=models.CASCADE, related_name="session_enrollments"
    )
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="session_enrollments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"], name="unique_session_enroll")
        ]
