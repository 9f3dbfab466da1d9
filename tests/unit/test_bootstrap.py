"""The composition root takes its adapters typed: a misspelled one is an error, not ignored."""

import pytest

from academy_video.adapters.memory.session_store import InMemorySessionStore
from academy_video.app.config import Settings
from academy_video.bootstrap import Adapters, Applications, assemble
from tests.fakes.container import IN_MEMORY_ENV, build_in_memory


def test_a_misspelled_adapter_is_refused_where_it_is_written() -> None:
    with pytest.raises(TypeError, match="stroe"):
        Adapters(stroe=InMemorySessionStore())  # type: ignore[call-arg]


def test_adapters_are_named_never_placed() -> None:
    with pytest.raises(TypeError):
        Adapters(InMemorySessionStore())  # type: ignore[call-arg, arg-type]


def test_the_adapter_given_is_the_one_the_services_use() -> None:
    store = InMemorySessionStore()
    container = build_in_memory(Settings(), Adapters(store=store))
    assert container.store is store


def test_assemble_names_the_adapter_it_was_not_given() -> None:
    apps = Applications(lambda _name: IN_MEMORY_ENV)
    with pytest.raises(TypeError, match=r"Adapters\.storage"):
        assemble(Settings(), apps, Adapters())
