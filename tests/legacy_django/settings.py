"""The minimal settings the old models need, configured in-process (no settings module file,
no manage.py): the stand-in apps and the old video app, time zones on as in the old SaaS.

Databases are added at run time (``database.open_postgres`` / ``open_sqlite``); ``default`` is
an in-memory SQLite that nothing writes to."""

from __future__ import annotations

import django
from django.conf import settings

APPS = ("tenants", "lectures", "students", "enrollment", "attendance", "video")


def setup() -> None:
    """Configure Django once per process (a second call does nothing)."""
    if settings.configured:
        return
    settings.configure(
        INSTALLED_APPS=[f"tests.legacy_django.{app}" for app in APPS],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()
