"""The compatibility suite's playback cases (tests/compat/test_playback.py) again with Redis as
the session store: sessions of the old id form and of the hex form issued before it both
refresh, beat, end and are audited (Redis keys and tokens hold either)."""

from __future__ import annotations

from tests.compat.test_playback import *  # noqa: F403 (the tests themselves)

from .test_playback_on_redis import api  # noqa: F401 (the same world, on Redis)
