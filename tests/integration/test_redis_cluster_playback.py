"""Every HTTP playback test (tests/http/test_playback.py, test_playback_tenants.py) again, on a
Redis Cluster: the session store, the heartbeat batch split per slot, the versions mirror and
the start limit behave as on one Redis and in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from academy_video.adapters.redis.heartbeats import RedisHeartbeats
from tests.http.conftest import Api, serving
from tests.http.test_playback import *  # noqa: F403 (the tests themselves)
from tests.http.test_playback_tenants import *  # noqa: F403

from .redis_cluster import CLUSTER_URL, cluster_client


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    cluster_client()  # emptied (skips when there is no cluster)
    with serving(tmp_path, redis_url=CLUSTER_URL, redis_cluster=True) as api:
        heartbeats = api.app.playback.live.heartbeats
        assert isinstance(heartbeats, RedisHeartbeats) and heartbeats.cluster
        yield api
