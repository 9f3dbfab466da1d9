"""The events list's items and the retrieve (tests/http/test_playback_event_items.py) again with
the read models on PostgreSQL: ids numbered by the projection and kept by a rebuild, the policy
subquery's JSON, the retrieve's filters."""

from __future__ import annotations

from tests.http.test_playback_event_items import *  # noqa: F403 (the tests themselves)

from .test_analytics_on_postgres import api  # noqa: F401 (the API on a database of its own)
