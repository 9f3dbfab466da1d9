"""The old SaaS's ``apps.api.common.models.TimestampModel``."""

from __future__ import annotations

from django.db import models


class TimestampModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
