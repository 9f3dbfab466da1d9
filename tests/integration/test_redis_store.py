"""The Redis session store: the port's contract against a real redis-server, keys that expire,
and an outage: 503-worthy errors while Redis is down, recovery without a restart when it is back."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
import redis
from redis.crc import key_slot

from academy_video.adapters.redis.session_store import RedisSessionStore
from academy_video.app.errors import Unavailable
from academy_video.app.ports import SessionStore
from tests.contract.session_store_suite import CHECKS, ME, T0, open_session

REDIS_URL = os.environ.get("ACADEMY_VIDEO_TEST_REDIS_URL", "")


@pytest.fixture
def store() -> RedisSessionStore:
    if not REDIS_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_REDIS_URL is not set: run the tests with `make test`")
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    return RedisSessionStore(client)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_redis_store_keeps_the_contract(
    store: RedisSessionStore, check: Callable[[SessionStore], None]
) -> None:
    check(store)


def test_every_key_expires_so_nothing_leaks(store: RedisSessionStore) -> None:
    open_session(store, "a")
    store.revoke(tenant="demo", user_id=1, session_id="a", now=T0)
    open_session(store, "b")
    store.adopt(tenant="demo", user_id=1, session_id="b", versions=(2, 0))
    # redis-py's sync answers are typed as maybe awaitable (one signature for both clients).
    keys = cast(list[str], store.client.keys("av:*"))
    assert sorted(keys) == [
        "av:{t:demo:u:1}:adopted",
        "av:{t:demo:u:1}:devices",
        "av:{t:demo:u:1}:live",
        "av:{t:demo:u:1}:revoked",
    ]
    assert all(0 < cast(int, store.client.ttl(key)) <= 60 + 3600 for key in keys)


def test_a_students_keys_share_one_hash_slot_and_the_tenant(store: RedisSessionStore) -> None:
    """One student's keys in one cluster slot (the hash tag holds tenant and user), and the
    same user id of another tenant in keys of its own."""
    open_session(store, "a")
    open_session(store, "b", tenant="other")
    keys = cast(list[str], store.client.keys("av:*"))  # as above: the sync client's answer
    demo = [k for k in keys if k.startswith("av:{t:demo:u:1}:")]
    other = [k for k in keys if k.startswith("av:{t:other:u:1}:")]
    assert len(demo) == len(other) == 2 and len(keys) == 4  # live and devices of each
    assert len({key_slot(k.encode()) for k in demo}) == 1
    assert len({key_slot(k.encode()) for k in other}) == 1


def test_a_tenant_that_is_not_a_code_names_no_key(store: RedisSessionStore) -> None:
    with pytest.raises(ValueError, match="tenant code"):
        store.is_active(tenant="a}:u:1", user_id=2, session_id="a", now=T0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(port: int, directory: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.02)  # waiting for another process's socket: nothing to await
    raise AssertionError("redis-server did not start")


def test_an_outage_is_unavailable_and_recovery_needs_no_restart(
    own_redis: tuple[int, list[subprocess.Popen[bytes]]], tmp_path: Path
) -> None:
    port, processes = own_redis
    store = RedisSessionStore.from_url(f"redis://127.0.0.1:{port}/0")
    now = datetime.now(UTC)
    assert open_session(store, "a", now=now) is None
    processes[0].terminate()
    processes[0].wait()
    for operation in (
        lambda: open_session(store, "b", now=now),
        lambda: store.heartbeat(**ME, session_id="a", now=now, ttl_seconds=60),
        lambda: store.is_active(**ME, session_id="a", now=now),
        lambda: store.revoke(**ME, session_id="a", now=now),
    ):
        with pytest.raises(Unavailable, match="session_store_unavailable"):
            operation()
    assert not store.ping()
    processes.append(start_redis(port, tmp_path))  # back, empty (no persistence)
    assert open_session(store, "c", now=now) is None  # scripts reloaded by themselves
    assert store.is_active(**ME, session_id="c", now=now)
