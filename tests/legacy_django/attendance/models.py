from __future__ import annotations

from django.db import models

from tests.legacy_django.timestamps import TimestampModel


class Attendance(TimestampModel):
    session = models.ForeignKey(
        "lectures.Session", on_delete=models.CASCADE, related_name="attendances"
    )
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(max_length=20, default="PRESENT")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"], name="unique_attendance")
        ]
