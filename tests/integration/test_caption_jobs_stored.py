"""The auto-caption step's suite (tests/unit/app/test_caption_jobs.py) on each stored backend:
the ``caption_jobs`` queue projected and leased in SQLite and PostgreSQL."""

from tests.unit.app.test_caption_jobs import *  # noqa: F403
