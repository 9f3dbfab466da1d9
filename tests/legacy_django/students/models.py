from __future__ import annotations

from django.db import models

from tests.legacy_django.timestamps import TimestampModel


class Student(TimestampModel):
    """What the old video views read of a student (``enrollment.student.name``, the user id the
    playback sessions are keyed by, the phones the statistics showed)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="students")
    # The old SaaS's auth user; only its id matters here, so no auth app is installed.
    user_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=20, blank=True, null=True)
    parent_phone = models.CharField(max_length=20, blank=True, null=True)
    school = models.CharField(max_length=100, blank=True, default="")
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
