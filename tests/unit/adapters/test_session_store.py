"""The in-process SessionStore against the port's contract (Redis: tests/integration)."""

from collections.abc import Callable

import pytest

from academy_video.adapters.memory.session_store import InMemorySessionStore
from academy_video.app.ports import SessionStore
from tests.contract.session_store_suite import CHECKS


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_in_memory_store_keeps_the_contract(check: Callable[[SessionStore], None]) -> None:
    check(InMemorySessionStore())
