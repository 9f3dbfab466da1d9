from __future__ import annotations

from django.db import models

from tests.legacy_django.timestamps import TimestampModel


class Lecture(TimestampModel):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="lectures")
    title = models.CharField(max_length=255)


class Session(TimestampModel):
    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="sessions")
    order = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=255, blank=True, default="")
