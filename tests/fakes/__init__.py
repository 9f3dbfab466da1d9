"""Fakes only tests use, and the in-memory build they make up.

Production (``serve``, ``worker``, the other commands: all ``bootstrap.build`` from settings)
never runs these, so they live here rather than in ``academy_video.adapters.memory``, which keeps
only what the embedded default runs on (session store, heartbeats, rate limiter, system clock,
no-op waker). ``container.py: build_in_memory`` passes them to ``bootstrap.assemble``; a test
that builds on the stored build passes the ones it needs through ``bootstrap.Adapters``.

- ``clock_and_ids.py``: ``FakeClock`` (moved by hand), ``InMemoryIdAllocator``.
- ``directory.py``: ``InMemoryDirectory`` (the roster).
- ``media.py``: ``InMemoryObjectStorage`` (``memory://`` URLs) and ``FakeMediaProbe``, which
  reads the fake media that store holds.
- ``views.py``: the read side (job queue, session orders, active sessions, pending uploads) fed
  inline by the Applications' saves.
"""
