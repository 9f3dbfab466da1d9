"""The composition root: builds the whole application from settings and adapters.

``build()`` stores events where the settings say (SQLite files or PostgreSQL) and keeps the SQL
read models beside them, written by the projector; every command and the HTTP app run on it.
``assemble()`` wires the services on given Applications and ``Adapters``; the tests' in-memory
build (``tests/fakes/container.py: build_in_memory``) calls it with their fakes. Any adapter can
be replaced through a typed ``Adapters`` (``build(settings, Adapters(storage=...))``).

- ``container.py``: ``Container``, what a build returns.
- ``applications.py``: the four ``Applications``.
- ``wiring.py``: ``Adapters`` and ``assemble``; ``playback.py`` wires the playback use cases.
- ``stored.py``: ``build`` and ``open_applications``.
- ``from_settings.py``: the adapter the settings choose, one function per port.
"""

from .applications import Applications
from .container import Container
from .from_settings import (
    id_allocator,
    media_probe,
    object_storage,
    read_engine,
    reader_engine,
    transcoder_for,
    worker_waker,
)
from .stored import build, open_applications
from .wiring import Adapters, assemble

__all__ = [
    "Adapters",
    "Applications",
    "Container",
    "assemble",
    "build",
    "id_allocator",
    "media_probe",
    "object_storage",
    "open_applications",
    "read_engine",
    "reader_engine",
    "transcoder_for",
    "worker_waker",
]
