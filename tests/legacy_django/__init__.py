"""The old Django app's database, created by Django itself from the old models (test-only).

``settings.setup()`` configures Django in-process; ``database.open_legacy`` registers an old
database (a PostgreSQL schema or a SQLite file) and creates its tables with Django's schema
editor; ``academy.fill_academy`` fills it through the old ORM. The stand-in apps (tenants,
lectures, students, enrollment, attendance) hold only what the old video app reads of them.
"""

from tests.legacy_django.settings import setup

# The models below this package need Django configured before they are imported.
setup()
