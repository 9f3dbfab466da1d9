from __future__ import annotations

from django.db import models

from tests.legacy_django.timestamps import TimestampModel


class Tenant(TimestampModel):
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255, blank=True, default="")
