"""Everything in process: the POPO event store, in-memory views and fakes, wired by
``bootstrap.assemble`` exactly as the stored build wires its adapters."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from academy_video.app.applications import EventSourcedApp, Listener
from academy_video.app.config import Settings
from academy_video.app.persistence import COMMON
from academy_video.bootstrap import Adapters, Applications, Container, assemble

from .caption_queue import InMemoryCaptionQueue
from .clock_and_ids import InMemoryIdAllocator
from .directory import InMemoryDirectory
from .media import FakeMediaProbe, InMemoryObjectStorage
from .versions import AggregateVersions
from .views import (
    InMemoryActiveSessions,
    InMemoryJobQueue,
    InMemoryPendingUploads,
    InMemorySessionOrders,
)

View = TypeVar("View", bound=Listener)

# The POPO store, whatever the process environment says: in-memory means in memory.
IN_MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo", **COMMON}


def build_in_memory(
    settings: Settings | None = None, adapters: Adapters | None = None
) -> Container:
    """What ``adapters`` gives, the fakes for the rest. The probe reads the in-memory store's
    fake media unless ``adapters`` brings a store of its own."""
    given = adapters or Adapters()
    apps = Applications(lambda _name: IN_MEMORY_ENV)
    storage = given.storage or InMemoryObjectStorage()
    probe = given.probe
    if probe is None and isinstance(storage, InMemoryObjectStorage):
        probe = FakeMediaProbe(storage)
    chosen = replace(
        given,
        storage=storage,
        probe=probe,
        ids=given.ids or InMemoryIdAllocator(),
        directory=given.directory or InMemoryDirectory(),
        queue=given.queue or listening(apps.videos, InMemoryJobQueue()),
        caption_queue=given.caption_queue or listening(apps.videos, InMemoryCaptionQueue()),
        orders=given.orders or listening(apps.videos, InMemorySessionOrders()),
        active=given.active or listening(apps.sessions, InMemoryActiveSessions()),
        pending=given.pending or listening(apps.videos, InMemoryPendingUploads()),
        versions=given.versions or AggregateVersions(apps.videos, apps.grants),
        # No read models here: completion read from the progress aggregates themselves.
        completions=given.completions or apps.progresses,
    )
    return assemble(settings or Settings(), apps, chosen)


def listening(app: EventSourcedApp, view: View) -> View:
    """Bring the view up to date with what is stored, then keep it current on every save."""
    app.replay(view)
    app.listen(view)
    return view
