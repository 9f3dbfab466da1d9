from collections.abc import Callable

import pytest

from academy_video.app.ports import Directory
from tests.contract.directory_suite import CHECKS
from tests.fakes.directory import InMemoryDirectory


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_in_memory_directory_keeps_the_contract(check: Callable[[Directory], None]) -> None:
    check(InMemoryDirectory())
